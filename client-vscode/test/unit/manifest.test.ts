/** package.json contributions agree with the code (commands, view, settings). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Commands, SUMMARY_VIEW_ID, VIEW_CONTAINER_ID } from '../../src/common/constants';
import { SERVER_SETTINGS, STATUS_BAR_SETTINGS } from '../../src/common/settings';

const pkg = JSON.parse(readFileSync(join(__CLIENT_ROOT__, 'package.json'), 'utf8'));

test('every command is contributed, with the "Roo Usage" category', () => {
    const contributed = new Map(pkg.contributes.commands.map((c: { command: string; category: string; title: string }) => [c.command, `${c.category}: ${c.title}`]));
    for (const id of Object.values(Commands)) assert.ok(contributed.has(id), id);
    assert.equal(contributed.get(Commands.openSummary), 'Roo Usage: Open Summary');
    assert.equal(contributed.get(Commands.restartServer), 'Roo Usage: Restart Server');
});

test('the card is a webview view in the extension\'s own activity-bar container', () => {
    assert.equal(pkg.contributes.viewsContainers.activitybar[0].id, VIEW_CONTAINER_ID);
    const view = pkg.contributes.views[VIEW_CONTAINER_ID][0];
    assert.deepEqual([view.type, view.id, view.name], ['webview', SUMMARY_VIEW_ID, 'AI Inference Summary']);
});

test('every setting the code reads is declared with a scope', () => {
    const props = pkg.contributes.configuration.properties;
    for (const key of [...SERVER_SETTINGS, ...STATUS_BAR_SETTINGS]) {
        assert.ok(props[key], key);
        assert.ok(props[key].scope, `${key} has a scope`);
    }
    assert.deepEqual(props['rooUsage.statusBar.show'].enum, ['all', 'current', 'today']);
});

test('engine and types are pinned together; the bundle is the entry point', () => {
    assert.equal(pkg.engines.vscode, '^1.91.0');
    assert.equal(pkg.devDependencies['@types/vscode'], '1.91.0');
    assert.equal(pkg.main, './dist/extension.js');
});
