/**
 * A small fake of the `vscode` module, enough for the extension's own code (VS Code itself cannot
 * be downloaded here). Tests inspect and drive it through `fake`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as path from 'node:path';

type Listener<T> = (e: T) => any;

export class EventEmitter<T> {
    private listeners = new Set<Listener<T>>();
    event = (listener: Listener<T>) => {
        this.listeners.add(listener);
        return new Disposable(() => this.listeners.delete(listener));
    };
    fire(e: T): void {
        for (const l of [...this.listeners]) l(e);
    }
    dispose(): void {
        this.listeners.clear();
    }
}

export class Disposable {
    constructor(private readonly fn: () => unknown = () => undefined) {}
    static from(...items: { dispose(): unknown }[]): Disposable {
        return new Disposable(() => items.forEach((i) => i.dispose()));
    }
    dispose(): void {
        this.fn();
    }
}

export class Uri {
    private constructor(readonly scheme: string, readonly path: string) {}
    static file(p: string): Uri {
        return new Uri('file', p);
    }
    static parse(value: string): Uri {
        const m = /^([a-z-]+):\/\/(.*)$/.exec(value);
        return m ? new Uri(m[1], m[2]) : new Uri('file', value);
    }
    static joinPath(base: Uri, ...segments: string[]): Uri {
        return new Uri(base.scheme, path.posix.join(base.path, ...segments));
    }
    get fsPath(): string {
        return this.path;
    }
    toString(): string {
        return `${this.scheme}://${this.path}`;
    }
}

export enum StatusBarAlignment { Left = 1, Right = 2 }
export enum ViewColumn { Active = -1, One = 1 }
export enum ConfigurationTarget { Global = 1, Workspace = 2 }
export class ThemeColor { constructor(readonly id: string) {} }
export class MarkdownString { constructor(public value = '') {} }

// ---- observable fake state --------------------------------------------------------------------

export interface FakeStatusBarItem {
    id: string; text: string; tooltip: any; command: any; name?: string; visible: boolean;
    show(): void; hide(): void; dispose(): void;
}

export class FakeWebview {
    html = '';
    options: any = {};
    cspSource = 'https://fake.vscode-cdn.net';
    posted: any[] = [];
    readonly messages = new EventEmitter<any>();
    onDidReceiveMessage = this.messages.event;
    asWebviewUri(uri: Uri): Uri {
        return Uri.parse(`https://fake.vscode-cdn.net${uri.path}`);
    }
    postMessage(message: any): Thenable<boolean> {
        this.posted.push(JSON.parse(JSON.stringify(message)));
        return Promise.resolve(true);
    }
}

export class FakeWebviewPanel {
    readonly webview = new FakeWebview();
    iconPath: any;
    revealed = 0;
    private readonly disposed = new EventEmitter<void>();
    onDidDispose = this.disposed.event;
    constructor(readonly viewType: string, readonly title: string) {}
    reveal(): void { this.revealed++; }
    dispose(): void { this.disposed.fire(); }
}

export const fake = {
    config: {} as Record<string, unknown>,
    workspaceFolders: [] as { uri: Uri; name: string; index: number }[],
    commands: new Map<string, (...args: any[]) => any>(),
    executed: [] as { command: string; args: any[] }[],
    errorMessages: [] as string[],
    infoMessages: [] as string[],
    statusBarItems: [] as FakeStatusBarItem[],
    panels: [] as FakeWebviewPanel[],
    viewProviders: new Map<string, any>(),
    logs: [] as string[],
    configChanged: new EventEmitter<{ affectsConfiguration(s: string): boolean }>(),
    foldersChanged: new EventEmitter<unknown>(),
    reset(): void {
        this.config = {};
        this.workspaceFolders = [];
        this.commands.clear();
        this.executed = [];
        this.errorMessages = [];
        this.infoMessages = [];
        this.statusBarItems = [];
        this.panels = [];
        this.viewProviders.clear();
        this.logs = [];
    },
    /** Changes settings and fires onDidChangeConfiguration for the changed keys. */
    setConfig(values: Record<string, unknown>): void {
        Object.assign(this.config, values);
        const keys = Object.keys(values);
        this.configChanged.fire({ affectsConfiguration: (s: string) => keys.some((k) => k === s || k.startsWith(`${s}.`)) });
    },
};

function logChannel(name: string) {
    const write = (level: string) => (message: string) => fake.logs.push(`[${level}] ${message}`);
    return {
        name, logLevel: 2,
        trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'),
        append: write('raw'), appendLine: write('raw'), replace: write('raw'), clear() {}, show() {}, hide() {}, dispose() {},
        onDidChangeLogLevel: new EventEmitter<number>().event,
    };
}

export const window = {
    createOutputChannel: (name: string) => logChannel(name),
    createStatusBarItem(id: string): FakeStatusBarItem {
        const item: FakeStatusBarItem = {
            id, text: '', tooltip: undefined, command: undefined, visible: false,
            show() { item.visible = true; }, hide() { item.visible = false; }, dispose() { item.visible = false; },
        };
        fake.statusBarItems.push(item);
        return item;
    },
    showErrorMessage(message: string) {
        fake.errorMessages.push(message);
        return Promise.resolve(undefined);
    },
    showWarningMessage(message: string) {
        fake.errorMessages.push(message);
        return Promise.resolve(undefined);
    },
    showInformationMessage(message: string) {
        fake.infoMessages.push(message);
        return Promise.resolve(undefined);
    },
    createWebviewPanel(viewType: string, title: string) {
        const panel = new FakeWebviewPanel(viewType, title);
        fake.panels.push(panel);
        return panel;
    },
    registerWebviewViewProvider(id: string, provider: any) {
        fake.viewProviders.set(id, provider);
        return new Disposable(() => fake.viewProviders.delete(id));
    },
};

export const workspace = {
    getConfiguration(section: string) {
        return {
            get<T>(key: string, defaultValue?: T): T | undefined {
                const full = `${section}.${key}`;
                return full in fake.config ? (fake.config[full] as T) : defaultValue;
            },
            has: (key: string) => `${section}.${key}` in fake.config,
        };
    },
    get workspaceFolders() {
        return fake.workspaceFolders.length ? fake.workspaceFolders : undefined;
    },
    onDidChangeConfiguration: fake.configChanged.event,
    onDidChangeWorkspaceFolders: fake.foldersChanged.event,
};

export const commands = {
    registerCommand(command: string, callback: (...args: any[]) => any) {
        fake.commands.set(command, callback);
        return new Disposable(() => fake.commands.delete(command));
    },
    executeCommand(command: string, ...args: any[]) {
        fake.executed.push({ command, args });
        const handler = fake.commands.get(command);
        return Promise.resolve(handler ? handler(...args) : undefined);
    },
};

export const env = { language: 'en', appName: 'Fake Code' };

// Classes vscode-languageclient extends when its modules load (never instantiated by these tests).
export class CallHierarchyItem {}
export class CodeLens {}
export class CompletionItem {}
export class DocumentLink {}
export class InlayHint {}
export class SymbolInformation {}
export class TypeHierarchyItem {}
export class CodeAction {}
export class Diagnostic {}
export class CancellationError extends Error {}
