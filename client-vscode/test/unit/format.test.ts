import assert from 'node:assert/strict';
import { test } from 'node:test';
import { folderName, formatCost, formatTokens, plural } from '../../src/common/format';

test('costs of a dollar and more have two decimals', () => {
    assert.equal(formatCost(12.34), '$12.34');
    assert.equal(formatCost(1234.5), '$1,234.50');
    assert.equal(formatCost(1), '$1.00');
});

test('small costs stay readable with three significant digits', () => {
    assert.equal(formatCost(0.0042), '$0.0042');
    assert.equal(formatCost(0.165987), '$0.166');
    assert.equal(formatCost(0.0827985), '$0.0828');
    assert.equal(formatCost(0.5), '$0.50');
    assert.equal(formatCost(0.000031), '$0.000031');
});

test('zero, tiny and invalid costs', () => {
    assert.equal(formatCost(0), '$0.00');
    assert.equal(formatCost(1e-12), '<$0.00000001');
    assert.equal(formatCost(Number.NaN), '—');
});

test('an unknown currency code falls back instead of throwing', () => {
    assert.equal(formatCost(2, 'EUR'), '€2.00');
    assert.equal(formatCost(2, 'not a currency'), '$2.00');
});

test('tokens and plurals', () => {
    assert.equal(formatTokens(68974), '68,974');
    assert.equal(plural(1, 'task'), '1 task');
    assert.equal(plural(2, 'task'), '2 tasks');
});

test('folder names', () => {
    assert.equal(folderName('/home/dev/projects/acme-billing'), 'acme-billing');
    assert.equal(folderName('C:\\work\\shop\\'), 'shop');
});
