/**
 * Summaries shaped exactly like protocol.md's examples (the demo data's figures), for the unit and
 * Chromium tests. The wire test checks the same figures against the real server.
 */
import type { UsageChangedParams, UsageSummary, UsageTotals } from '../src/common/protocol';

export const DEMO_WORKSPACE = '/home/dev/projects/acme-billing';

export const demoTotals: UsageTotals = {
    cost: 0.165987, costExact: '0.165987', tokens: 72609,
    tokensIn: 68974, tokensOut: 3635, cacheReads: 44850, cacheWrites: 17780,
    tasks: 2, requests: 8, unknownRequests: 0, deletedTasks: 0,
};

export function demoSummary(scope: 'all' | 'current' = 'all', revision = 42): UsageSummary {
    return {
        scope,
        workspaces: scope === 'current' ? [DEMO_WORKSPACE] : [],
        since: null,
        until: null,
        timeZone: 'UTC',
        revision,
        currency: 'USD',
        totals: { ...demoTotals },
        byMode: [
            { mode: 'architect', name: 'Architect', cost: 0.0827985, costExact: '0.0827985', tokensIn: 28538, tokensOut: 1267, cacheReads: 12040, cacheWrites: 14250, tasks: 1, requests: 2, unknownRequests: 0 },
            { mode: 'code', name: 'Code', cost: 0.0608505, costExact: '0.0608505', tokensIn: 20326, tokensOut: 1560, cacheReads: 14250, cacheWrites: 3530, tasks: 1, requests: 2, unknownRequests: 0 },
            { mode: 'debug', name: 'Debug', cost: 0.022338, costExact: '0.022338', tokensIn: 20110, tokensOut: 808, cacheReads: 18560, cacheWrites: 0, tasks: 1, requests: 4, unknownRequests: 0 },
        ],
        byWorkspace: [
            { workspace: DEMO_WORKSPACE, name: 'acme-billing', cost: 0.165987, costExact: '0.165987', tokensIn: 68974, tokensOut: 3635, cacheReads: 44850, cacheWrites: 17780, tasks: 2, requests: 8, unknownRequests: 0 },
        ],
        byModel: [
            { model: 'anthropic/claude-sonnet-4.5', cost: 0.165987, costExact: '0.165987', tokensIn: 68974, tokensOut: 3635, cacheReads: 44850, cacheWrites: 17780, tasks: 2, requests: 8, unknownRequests: 0 },
        ],
        byDay: [
            { day: '2026-01-13', cost: 0.165987, costExact: '0.165987', tokensIn: 68974, tokensOut: 3635, cacheReads: 44850, cacheWrites: 17780, tasks: 2, requests: 8, unknownRequests: 0 },
        ],
    };
}

export function zeroTotals(): UsageTotals {
    return { cost: 0, costExact: '0', tokens: 0, tokensIn: 0, tokensOut: 0, cacheReads: 0, cacheWrites: 0, tasks: 0, requests: 0, unknownRequests: 0, deletedTasks: 0 };
}

export function usageChanged(revision: number, patch: Partial<UsageChangedParams> = {}): UsageChangedParams {
    return { revision, timeZone: 'UTC', workspaces: [DEMO_WORKSPACE], all: { ...demoTotals }, current: { ...demoTotals }, today: zeroTotals(), ...patch };
}
