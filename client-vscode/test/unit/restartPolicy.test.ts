import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartPolicy } from '../../src/common/restartPolicy';

test('a crashing server is restarted a few times, then left stopped', () => {
    let now = 0;
    const policy = new RestartPolicy(3, 60_000, () => now);
    assert.deepEqual([1, 2, 3, 4].map(() => { now += 1000; return policy.shouldRestart(); }), [true, true, true, false]);
});

test('crashes far apart do not add up', () => {
    let now = 0;
    const policy = new RestartPolicy(2, 60_000, () => now);
    for (let i = 0; i < 10; i++) {
        now += 61_000;
        assert.equal(policy.shouldRestart(), true);
    }
});

test('a user restart resets the count', () => {
    const policy = new RestartPolicy(1, 60_000, () => 0);
    assert.equal(policy.shouldRestart(), true);
    assert.equal(policy.shouldRestart(), false);
    policy.reset();
    assert.equal(policy.shouldRestart(), true);
});
