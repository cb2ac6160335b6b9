/** Wiring only: output channel, store, status bar, card webviews, server lifecycle, commands. */
import { ExtensionContext, window } from 'vscode';
import { Commands, EXTENSION_NAME, RESTART_DEBOUNCE_MS, SUMMARY_VIEW_ID } from './common/constants';
import { registerLogger, traceInfo } from './common/logging';
import { UsageServer } from './common/server';
import { affectsServer, affectsStatusBar, readSettings } from './common/settings';
import { UsageStatusBar } from './common/statusBar';
import { UsageStore } from './common/usageStore';
import {
    createOutputChannel,
    executeCommand,
    getWorkspaceFolders,
    onDidChangeConfiguration,
    onDidChangeWorkspaceFolders,
    registerCommand,
    showInformationMessage,
} from './common/vscodeapi';
import { SummaryWebviews } from './webview/host';

let server: UsageServer | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
    const output = createOutputChannel(EXTENSION_NAME);
    context.subscriptions.push(output, registerLogger(output));

    const store = new UsageStore();
    const updateFolders = () => store.setFolders(getWorkspaceFolders().map((f) => f.uri.fsPath));
    updateFolders();

    const statusBar = new UsageStatusBar(store);
    const applyStatusBarSettings = () => {
        const settings = readSettings();
        statusBar.configure(settings.statusBarFigure, settings.statusBarEnabled);
    };
    applyStatusBarSettings();

    const webviews = new SummaryWebviews(context.extensionUri, store);
    server = new UsageServer(output, store);
    const usageServer = server;

    let restartTimer: ReturnType<typeof setTimeout> | undefined;
    const restartSoon = (reason: string) => {
        if (restartTimer) clearTimeout(restartTimer);
        restartTimer = setTimeout(() => void usageServer.restart(reason), RESTART_DEBOUNCE_MS);
    };

    context.subscriptions.push(
        statusBar,
        webviews,
        window.registerWebviewViewProvider(SUMMARY_VIEW_ID, webviews),
        registerCommand(Commands.openSummary, () => webviews.openPanel()),
        registerCommand(Commands.showSummary, () => executeCommand(`${SUMMARY_VIEW_ID}.focus`)),
        registerCommand(Commands.restartServer, () => usageServer.restart('Restart Server command')),
        registerCommand(Commands.showOutput, () => output.show()),
        registerCommand(Commands.rescan, async () => {
            const result = await usageServer.rescan();
            if (result) {
                void showInformationMessage(`Roo Usage: scanned ${result.filesScanned} files, ${result.requestsAdded} new requests.`);
            }
        }),
        onDidChangeConfiguration((e) => {
            if (affectsStatusBar(e)) applyStatusBarSettings();
            if (affectsServer(e)) restartSoon('settings changed');
        }),
        onDidChangeWorkspaceFolders(updateFolders),
        { dispose: () => restartTimer && clearTimeout(restartTimer) },
    );

    traceInfo('Roo Usage activated.');
    void usageServer.restart('activation');
}

export async function deactivate(): Promise<void> {
    await server?.dispose();
    server = undefined;
}
