/** Logging to the extension's LogOutputChannel ("Roo Usage" in the Output view). */
import type { LogOutputChannel } from 'vscode';

let channel: LogOutputChannel | undefined;

export function registerLogger(output: LogOutputChannel): { dispose(): void } {
    channel = output;
    return { dispose: () => { channel = undefined; } };
}

function text(parts: unknown[]): string {
    return parts
        .map((p) => (p instanceof Error ? p.stack ?? p.message : typeof p === 'string' ? p : JSON.stringify(p)))
        .join(' ');
}

export function traceError(...parts: unknown[]): void { channel?.error(text(parts)); }
export function traceWarn(...parts: unknown[]): void { channel?.warn(text(parts)); }
export function traceInfo(...parts: unknown[]): void { channel?.info(text(parts)); }
export function traceDebug(...parts: unknown[]): void { channel?.debug(text(parts)); }
