/**
 * The extension's settings (`rooUsage.*`) and how they turn into a server command line and the
 * server's `initializationOptions`. The resolving functions are pure so they can be unit tested
 * and reused by the wire test.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigurationChangeEvent } from 'vscode';
import { CONFIG_SECTION, SERVER_MODULE } from './constants';
import { InitializationOptions } from './protocol';
import { getConfiguration, getWorkspaceFolders } from './vscodeapi';

export type StatusBarFigure = 'all' | 'current' | 'today';

export interface ExtensionSettings {
    /** A full command line for the server, e.g. `["roo-usage", "serve"]`; wins over `pythonPath`. */
    serverCommand: string[];
    /** The Python interpreter that has the `roo-usage` package installed. */
    pythonPath: string;
    /** Extra folders the server scans besides the editors' default storage. */
    sources: string[];
    scanDefaultSources: boolean;
    /** Where the ledger lives; empty means the server's default. */
    storageDir: string;
    /** IANA time zone for days; empty means the machine's zone. */
    timeZone: string;
    statusBarFigure: StatusBarFigure;
    statusBarEnabled: boolean;
}

/** Settings whose change requires a server restart. */
export const SERVER_SETTINGS = [
    'server.command',
    'server.pythonPath',
    'sources',
    'scanDefaultSources',
    'storageDir',
    'timeZone',
].map((key) => `${CONFIG_SECTION}.${key}`);

export const STATUS_BAR_SETTINGS = ['statusBar.show', 'statusBar.enabled'].map((key) => `${CONFIG_SECTION}.${key}`);

export function readSettings(): ExtensionSettings {
    const config = getConfiguration(CONFIG_SECTION);
    const figure = config.get<string>('statusBar.show', 'all');
    return {
        serverCommand: stringArray(config.get<unknown>('server.command', [])),
        pythonPath: (config.get<string>('server.pythonPath', '') ?? '').trim(),
        sources: stringArray(config.get<unknown>('sources', [])),
        scanDefaultSources: config.get<boolean>('scanDefaultSources', true) !== false,
        storageDir: (config.get<string>('storageDir', '') ?? '').trim(),
        timeZone: (config.get<string>('timeZone', '') ?? '').trim(),
        statusBarFigure: figure === 'current' || figure === 'today' ? figure : 'all',
        statusBarEnabled: config.get<boolean>('statusBar.enabled', true) !== false,
    };
}

export function affectsServer(e: ConfigurationChangeEvent): boolean {
    return SERVER_SETTINGS.some((key) => e.affectsConfiguration(key));
}

export function affectsStatusBar(e: ConfigurationChangeEvent): boolean {
    return STATUS_BAR_SETTINGS.some((key) => e.affectsConfiguration(key));
}

function stringArray(value: unknown): string[] {
    if (typeof value === 'string') {
        return value.trim() ? [value.trim()] : [];
    }
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];
}

export interface ExpandContext {
    workspaceFolder?: string;
    home?: string;
    env?: NodeJS.ProcessEnv;
}

/** Expands `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` in a setting value. */
export function expandVariables(value: string, ctx: ExpandContext = {}): string {
    const home = ctx.home ?? os.homedir();
    const env = ctx.env ?? process.env;
    let out = value.replace(/\$\{(userHome|workspaceFolder|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (match, name: string, envName?: string) => {
        if (name === 'userHome') return home;
        if (name === 'workspaceFolder') return ctx.workspaceFolder ?? match;
        return env[envName ?? ''] ?? '';
    });
    if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
        out = path.join(home, out.slice(1));
    }
    return out;
}

export interface ServerCommand {
    command: string;
    args: string[];
}

/**
 * The command line that starts the server, in order of preference: `rooUsage.server.command`,
 * then `<rooUsage.server.pythonPath> -m roo_usage serve`, then `python3 -m roo_usage serve`
 * (`python` on Windows).
 */
export function resolveServerCommand(
    settings: Pick<ExtensionSettings, 'serverCommand' | 'pythonPath'>,
    ctx: ExpandContext & { platform?: NodeJS.Platform } = {},
): ServerCommand {
    if (settings.serverCommand.length > 0) {
        const [command, ...args] = settings.serverCommand.map((part) => expandVariables(part, ctx));
        return { command, args };
    }
    const platform = ctx.platform ?? process.platform;
    const python = settings.pythonPath ? expandVariables(settings.pythonPath, ctx) : platform === 'win32' ? 'python' : 'python3';
    return { command: python, args: ['-m', SERVER_MODULE, 'serve'] };
}

/** The `initializationOptions` sent to the server; keys left at their defaults are omitted. */
export function buildInitializationOptions(
    settings: Pick<ExtensionSettings, 'sources' | 'scanDefaultSources' | 'storageDir' | 'timeZone'>,
    ctx: ExpandContext = {},
): InitializationOptions {
    const options: InitializationOptions = {};
    if (settings.storageDir) options.storageDir = expandVariables(settings.storageDir, ctx);
    if (settings.sources.length > 0) options.sources = settings.sources.map((s) => expandVariables(s, ctx));
    if (!settings.scanDefaultSources) options.scanDefaultSources = false;
    if (settings.timeZone) options.timeZone = settings.timeZone;
    return options;
}

/** Variables available to settings in this window. */
export function currentExpandContext(): ExpandContext {
    const first = getWorkspaceFolders()[0];
    return { workspaceFolder: first?.uri.fsPath };
}
