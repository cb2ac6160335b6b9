/** protocol.ts mirrors the server's method names (server/roo_usage/lsp/protocol.py). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as protocol from '../../src/common/protocol';

const serverProtocol = join(__CLIENT_ROOT__, '..', 'server', 'roo_usage', 'lsp', 'protocol.py');

test('method names match protocol.md', () => {
    assert.deepEqual(
        [protocol.USAGE_SUMMARY, protocol.RECORD_USAGE, protocol.RESCAN, protocol.USAGE_CHANGED],
        ['roo/usageSummary', 'roo/recordUsage', 'roo/rescan', 'roo/usageChanged'],
    );
});

test('method names match the server\'s protocol.py', { skip: !existsSync(serverProtocol) && 'server protocol.py not present yet' }, () => {
    const source = readFileSync(serverProtocol, 'utf8');
    const serverMethods = new Set([...source.matchAll(/["'](roo\/[A-Za-z]+)["']/g)].map((m) => m[1]));
    const clientMethods = new Set([protocol.USAGE_SUMMARY, protocol.RECORD_USAGE, protocol.RESCAN, protocol.USAGE_CHANGED]);
    assert.deepEqual([...clientMethods].sort(), [...serverMethods].sort());
});
