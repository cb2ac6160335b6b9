/** Messages between the extension and the card webview (both directions). */
import type { UsageSummary } from '../common/protocol';
import type { ServerState } from '../common/usageStore';

/** Everything the card renders: both summaries, so the Current/All toggle is instant. */
export interface CardState {
    server: ServerState;
    message?: string;
    all?: UsageSummary;
    current?: UsageSummary;
    /** Names of the editor's workspace folders. */
    folders: string[];
}

export type ToWebview = { type: 'state'; state: CardState };

export type CardCommand = 'restartServer' | 'showOutput' | 'rescan';

export type FromWebview =
    | { type: 'ready' }
    | { type: 'scope'; scope: 'all' | 'current' }
    | { type: 'command'; command: CardCommand };
