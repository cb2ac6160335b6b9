/**
 * The extension side of the card: the sidebar webview view and the editor panel. Both show the
 * same HTML and receive the same CardState whenever the store changes.
 */
import {
    CancellationToken,
    Disposable,
    Uri,
    ViewColumn,
    Webview,
    WebviewPanel,
    WebviewView,
    WebviewViewProvider,
    WebviewViewResolveContext,
    window,
} from 'vscode';
import { CARD_TITLE, Commands, SUMMARY_PANEL_TYPE } from '../common/constants';
import { traceDebug } from '../common/logging';
import { StoreSnapshot, UsageStore } from '../common/usageStore';
import { executeCommand } from '../common/vscodeapi';
import { makeNonce, renderCardHtml } from './html';
import { CardCommand, CardState, FromWebview, ToWebview } from './messages';

export function toCardState(snapshot: StoreSnapshot): CardState {
    return { server: snapshot.server, message: snapshot.message, all: snapshot.all, current: snapshot.current, folders: snapshot.folders };
}

const COMMANDS: Record<CardCommand, string> = {
    restartServer: Commands.restartServer,
    showOutput: Commands.showOutput,
    rescan: Commands.rescan,
};

export class SummaryWebviews implements WebviewViewProvider, Disposable {
    private readonly webviews = new Set<Webview>();
    private panel: WebviewPanel | undefined;
    private readonly subscription: { dispose(): void };

    constructor(
        private readonly extensionUri: Uri,
        private readonly store: UsageStore,
    ) {
        this.subscription = store.onDidChange((snapshot) => this.broadcast(snapshot));
    }

    resolveWebviewView(view: WebviewView, _context: WebviewViewResolveContext, _token: CancellationToken): void {
        view.onDidDispose(this.attach(view.webview));
    }

    /** Opens (or reveals) the card as an editor panel. */
    openPanel(): void {
        if (this.panel) {
            this.panel.reveal();
            return;
        }
        const panel = window.createWebviewPanel(SUMMARY_PANEL_TYPE, CARD_TITLE, ViewColumn.Active, this.webviewOptions());
        panel.iconPath = Uri.joinPath(this.extensionUri, 'media', 'roo-usage.svg');
        this.panel = panel;
        const detach = this.attach(panel.webview);
        panel.onDidDispose(() => {
            detach();
            this.panel = undefined;
        });
    }

    private webviewOptions() {
        return { enableScripts: true, localResourceRoots: [Uri.joinPath(this.extensionUri, 'dist')] };
    }

    /** Sets the card HTML on a webview and keeps it updated; returns the detach function. */
    private attach(webview: Webview): () => void {
        webview.options = this.webviewOptions();
        const dist = Uri.joinPath(this.extensionUri, 'dist');
        webview.html = renderCardHtml({
            cspSource: webview.cspSource,
            scriptUri: webview.asWebviewUri(Uri.joinPath(dist, 'webview.js')).toString(),
            styleUri: webview.asWebviewUri(Uri.joinPath(dist, 'webview.css')).toString(),
            nonce: makeNonce(),
        });
        const listener = webview.onDidReceiveMessage((message: FromWebview) => this.onMessage(webview, message));
        this.webviews.add(webview);
        return () => {
            listener.dispose();
            this.webviews.delete(webview);
        };
    }

    private onMessage(webview: Webview, message: FromWebview): void {
        switch (message?.type) {
            case 'ready':
                void this.post(webview, this.store.snapshot);
                break;
            case 'scope':
                traceDebug(`Card scope: ${message.scope}`);
                break;
            case 'command':
                if (message.command in COMMANDS) void executeCommand(COMMANDS[message.command]);
                break;
        }
    }

    private broadcast(snapshot: StoreSnapshot): void {
        for (const webview of this.webviews) void this.post(webview, snapshot);
    }

    private post(webview: Webview, snapshot: StoreSnapshot): Thenable<boolean> {
        const message: ToWebview = { type: 'state', state: toCardState(snapshot) };
        return webview.postMessage(message);
    }

    dispose(): void {
        this.subscription.dispose();
        this.panel?.dispose();
        this.webviews.clear();
    }
}
