/**
 * Starting, restarting and stopping the `roo-usage serve` language server, and connecting it to
 * the usage store. A crashing server is restarted a few times (RestartPolicy), then left stopped
 * with one clear message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Disposable, LogOutputChannel } from 'vscode';
import {
    CloseAction,
    CloseHandlerResult,
    ErrorAction,
    ErrorHandlerResult,
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    ServerOptions,
    State,
    TransportKind,
} from 'vscode-languageclient/node';
import { Commands, CONFIG_SECTION, SERVER_ID, SERVER_NAME } from './constants';
import { traceError, traceInfo, traceWarn } from './logging';
import { RESCAN, RescanResult, USAGE_CHANGED, UsageChangedParams, UsageSummary } from './protocol';
import { RestartPolicy } from './restartPolicy';
import { buildInitializationOptions, currentExpandContext, readSettings, resolveServerCommand, ServerCommand } from './settings';
import { UsageStore } from './usageStore';
import { executeCommand, showErrorMessage } from './vscodeapi';

const SHOW_OUTPUT = 'Show Output';
const RESTART = 'Restart Server';
const OPEN_SETTINGS = 'Open Settings';

export class UsageServer implements Disposable {
    private client: LanguageClient | undefined;
    private readonly policy = new RestartPolicy();
    /** True once the current client reached Running: crashes before that are start failures. */
    private reachedRunning = false;
    private stopping = false;
    private queue: Promise<void> = Promise.resolve();

    constructor(
        private readonly output: LogOutputChannel,
        private readonly store: UsageStore,
    ) {}

    /** (Re)starts the server; user-initiated restarts reset the crash count. Calls are serialized. */
    restart(reason: string): Promise<void> {
        this.queue = this.queue.then(async () => {
            this.policy.reset();
            await this.stopClient();
            await this.startClient(reason);
        });
        return this.queue;
    }

    async rescan(): Promise<RescanResult | undefined> {
        if (!this.client || this.client.state !== State.Running) {
            traceWarn('Rescan requested but the server is not running.');
            return undefined;
        }
        const result = await this.client.sendRequest<RescanResult>(RESCAN, {});
        traceInfo('Rescan:', result);
        return result;
    }

    private async startClient(reason: string): Promise<void> {
        const settings = readSettings();
        const ctx = currentExpandContext();
        const command = resolveServerCommand(settings, ctx);
        const printable = [command.command, ...command.args].join(' ');
        traceInfo(`Starting the server (${reason}): ${printable}`);
        this.store.setServer('starting');

        if (!findExecutable(command.command)) {
            const message =
                `Cannot start the Roo Usage server: "${command.command}" was not found. ` +
                `Install the server (pip install roo-usage) or set "${CONFIG_SECTION}.server.pythonPath" / "${CONFIG_SECTION}.server.command".`;
            traceError(message);
            this.store.setServer('stopped', undefined, message);
            void this.notify(message, OPEN_SETTINGS);
            return;
        }

        const serverOptions: ServerOptions = {
            command: command.command,
            args: command.args,
            transport: TransportKind.stdio,
            options: { env: { ...process.env, PYTHONUNBUFFERED: '1' } },
        };
        const clientOptions: LanguageClientOptions = {
            documentSelector: [],
            outputChannel: this.output,
            traceOutputChannel: this.output,
            revealOutputChannelOn: RevealOutputChannelOn.Never,
            initializationOptions: buildInitializationOptions(settings, ctx),
            initializationFailedHandler: (error) => {
                traceError('The server failed to initialize:', error);
                return false;
            },
            errorHandler: {
                error: (error, _message, count): ErrorHandlerResult => {
                    traceError('Connection error:', error);
                    return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
                },
                closed: () => this.onClosed(command),
            },
        };

        const client = new LanguageClient(SERVER_ID, SERVER_NAME, serverOptions, clientOptions);
        this.client = client;
        this.reachedRunning = false;
        this.stopping = false;
        client.onNotification(USAGE_CHANGED, (params: UsageChangedParams) => this.store.handleUsageChanged(params));
        client.onDidChangeState((e) => {
            if (client !== this.client) return;
            if (e.newState === State.Running) {
                this.reachedRunning = true;
                this.store.setServer('running', (method, params) => client.sendRequest<UsageSummary>(method, params));
            } else if (e.newState === State.Starting) {
                this.store.setServer('starting');
            } else if (e.newState === State.Stopped && !this.stopping && this.store.snapshot.server !== 'stopped') {
                // e.g. a failed automatic restart, or a shutdown after repeated connection errors
                this.store.setServer('stopped', undefined, 'The Roo Usage server stopped. See the output for details.');
            }
        });
        try {
            await client.start();
            traceInfo('Server started.');
        } catch (error) {
            const message =
                `The Roo Usage server could not be started with "${[command.command, ...command.args].join(' ')}". ` +
                `Is the roo-usage package installed for that interpreter? Details are in the output channel.`;
            traceError(message, error);
            this.store.setServer('stopped', undefined, message);
        }
    }

    private onClosed(command: ServerCommand): CloseHandlerResult {
        if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
        if (!this.reachedRunning) {
            // A start failure: start() reports it; restarting would only repeat it.
            return { action: CloseAction.DoNotRestart, handled: true };
        }
        if (this.policy.shouldRestart()) {
            traceWarn(`The server exited unexpectedly; restarting (${this.policy.recentCrashes}).`);
            this.reachedRunning = false;
            this.store.setServer('starting');
            return { action: CloseAction.Restart, handled: true };
        }
        const message =
            `The Roo Usage server crashed ${this.policy.recentCrashes} times in a few minutes and was stopped ` +
            `(${[command.command, ...command.args].join(' ')}). See the output for details.`;
        traceError(message);
        this.store.setServer('stopped', undefined, message);
        void this.notify(message, RESTART);
        return { action: CloseAction.DoNotRestart, handled: true };
    }

    private async notify(message: string, action: typeof RESTART | typeof OPEN_SETTINGS): Promise<void> {
        const choice = await showErrorMessage(message, action, SHOW_OUTPUT);
        if (choice === SHOW_OUTPUT) this.output.show(true);
        else if (choice === RESTART) await executeCommand(Commands.restartServer);
        else if (choice === OPEN_SETTINGS) await executeCommand('workbench.action.openSettings', `${CONFIG_SECTION}.server`);
    }

    private async stopClient(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (!client) return;
        this.stopping = true;
        try {
            if (client.isRunning()) await client.stop(2000);
        } catch (error) {
            traceWarn('Stopping the server:', error);
        }
        await client.dispose().catch(() => undefined);
    }

    async dispose(): Promise<void> {
        await this.queue.catch(() => undefined);
        await this.stopClient();
    }
}

/** True if `command` is an existing file, or a bare name found on PATH. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
    if (command.includes('/') || command.includes('\\')) return fs.existsSync(command);
    const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
    const exts = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
    return dirs.some((dir) => exts.some((ext) => {
        try {
            const candidate = path.join(dir, command + ext);
            return fs.statSync(candidate).isFile();
        } catch {
            return false;
        }
    }));
}
