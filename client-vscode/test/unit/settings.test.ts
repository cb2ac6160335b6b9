import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { buildInitializationOptions, expandVariables, readSettings, resolveServerCommand } from '../../src/common/settings';
import { fake } from '../fake-vscode';

beforeEach(() => fake.reset());

test('the default server command is python3 -m roo_usage serve (python on Windows)', () => {
    assert.deepEqual(resolveServerCommand({ serverCommand: [], pythonPath: '' }, { platform: 'linux' }), { command: 'python3', args: ['-m', 'roo_usage', 'serve'] });
    assert.deepEqual(resolveServerCommand({ serverCommand: [], pythonPath: '' }, { platform: 'win32' }), { command: 'python', args: ['-m', 'roo_usage', 'serve'] });
});

test('pythonPath selects the interpreter, with variables expanded', () => {
    const cmd = resolveServerCommand({ serverCommand: [], pythonPath: '${workspaceFolder}/.venv/bin/python' }, { workspaceFolder: '/w' });
    assert.deepEqual(cmd, { command: '/w/.venv/bin/python', args: ['-m', 'roo_usage', 'serve'] });
});

test('an explicit command wins over pythonPath', () => {
    const cmd = resolveServerCommand({ serverCommand: ['~/bin/roo-usage', 'serve'], pythonPath: '/usr/bin/python3' }, { home: '/home/me' });
    assert.deepEqual(cmd, { command: '/home/me/bin/roo-usage', args: ['serve'] });
});

test('variables: ~, ${userHome}, ${env:NAME}; unknown workspaceFolder left as is', () => {
    const ctx = { home: '/home/me', env: { DATA: '/data' } };
    assert.equal(expandVariables('~/x', ctx), '/home/me/x');
    assert.equal(expandVariables('${userHome}/y', ctx), '/home/me/y');
    assert.equal(expandVariables('${env:DATA}/z', ctx), '/data/z');
    assert.equal(expandVariables('${workspaceFolder}/a', ctx), '${workspaceFolder}/a');
});

test('initializationOptions carry only what the user changed', () => {
    assert.deepEqual(buildInitializationOptions({ sources: [], scanDefaultSources: true, storageDir: '', timeZone: '' }), {});
    assert.deepEqual(
        buildInitializationOptions({ sources: ['~/roo'], scanDefaultSources: false, storageDir: '~/ledger', timeZone: 'Europe/Berlin' }, { home: '/h' }),
        { storageDir: '/h/ledger', sources: ['/h/roo'], scanDefaultSources: false, timeZone: 'Europe/Berlin' },
    );
});

test('readSettings reads rooUsage.* with defaults and tolerates bad values', () => {
    assert.deepEqual(readSettings(), {
        serverCommand: [], pythonPath: '', sources: [], scanDefaultSources: true, storageDir: '', timeZone: '',
        statusBarFigure: 'all', statusBarEnabled: true,
    });
    fake.config = {
        'rooUsage.server.command': 'roo-usage',
        'rooUsage.sources': ['/a', 3, ''],
        'rooUsage.statusBar.show': 'today',
        'rooUsage.scanDefaultSources': false,
    };
    const s = readSettings();
    assert.deepEqual(s.serverCommand, ['roo-usage']);
    assert.deepEqual(s.sources, ['/a']);
    assert.equal(s.statusBarFigure, 'today');
    assert.equal(s.scanDefaultSources, false);
    fake.config = { 'rooUsage.statusBar.show': 'weekly' };
    assert.equal(readSettings().statusBarFigure, 'all');
});
