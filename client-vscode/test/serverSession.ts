/**
 * Starts the real Python server the way the extension does (resolveServerCommand,
 * buildInitializationOptions, stdio JSON-RPC) on a temporary copy of test/fixtures/roo.
 * The interpreter is $ROO_USAGE_PYTHON, default ../.venv/bin/python (relative to client-vscode).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { USAGE_CHANGED, UsageChangedParams } from '../src/common/protocol';
import { buildInitializationOptions, resolveServerCommand } from '../src/common/settings';

export const PYTHON = process.env.ROO_USAGE_PYTHON ?? resolve(__CLIENT_ROOT__, '..', '.venv', 'bin', 'python');
export const FIXTURE = join(__CLIENT_ROOT__, 'test', 'fixtures', 'roo');
/** The demo global storage bundled with the server (Roo Code and Cline, invented values). */
export const DEMO_STORAGE = resolve(__CLIENT_ROOT__, '..', 'server', 'roo_usage', 'demo', 'globalStorage');
export const DEMO_WORKSPACE = '/home/dev/projects/acme-billing';

export interface ServerSession {
    connection: MessageConnection;
    /** Every roo/usageChanged received so far. */
    pushes: UsageChangedParams[];
    stderr(): string;
    stop(): Promise<void>;
}

export async function startServerSession(source: string = FIXTURE): Promise<ServerSession> {
    assert.ok(existsSync(PYTHON), `Python not found at ${PYTHON} (set ROO_USAGE_PYTHON)`);
    const tmp = mkdtempSync(join(tmpdir(), 'roo-usage-wire-'));
    const sources = join(tmp, 'sources');
    cpSync(source, sources, { recursive: true });

    const { command, args } = resolveServerCommand({ serverCommand: [], pythonPath: PYTHON });
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1', ROO_USAGE_HOME: join(tmp, 'home') };
    delete env.ROO_USAGE_SOURCES;
    const child = spawn(command, args, { env, stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk.toString(); });

    const pushes: UsageChangedParams[] = [];
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    connection.onNotification(USAGE_CHANGED, (params: UsageChangedParams) => { pushes.push(params); });
    connection.onNotification(() => undefined); // window/logMessage, $/progress, …
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
    connection.onRequest('window/showMessageRequest', () => null);
    connection.listen();

    const initializationOptions = buildInitializationOptions({ sources: [sources], scanDefaultSources: false, storageDir: join(tmp, 'ledger'), timeZone: 'UTC' });
    const result = await connection.sendRequest<{ capabilities: unknown }>('initialize', {
        processId: process.pid,
        clientInfo: { name: 'roo-usage test client' },
        rootUri: null,
        capabilities: { window: { workDoneProgress: true }, workspace: { workspaceFolders: true } },
        workspaceFolders: [{ uri: pathToFileURL(DEMO_WORKSPACE).toString(), name: 'acme-billing' }],
        initializationOptions,
    });
    assert.ok(result.capabilities, 'initialize returns capabilities');
    await connection.sendNotification('initialized', {});

    return {
        connection,
        pushes,
        stderr: () => stderr,
        async stop() {
            try {
                await connection.sendRequest('shutdown');
                await connection.sendNotification('exit');
            } catch {
                // the process may already be gone
            }
            if (child.exitCode === null) {
                await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
                if (child.exitCode === null) {
                    console.error('server did not exit within 5 s of shutdown/exit; killing it');
                    child.kill();
                }
            }
            connection.dispose();
            rmSync(tmp, { recursive: true, force: true });
        },
    };
}

/** Polls `probe` until it returns a value (fails with the server's stderr on timeout). */
export async function until<T>(session: ServerSession, what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}\n--- server stderr ---\n${session.stderr().slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}
