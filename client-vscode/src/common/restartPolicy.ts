/**
 * When a crashed server is restarted: a few times within a window, then never again until the
 * user asks (Restart Server command or a settings change), so a broken install produces one
 * clear message instead of a loop.
 */
import { MAX_RESTARTS, RESTART_WINDOW_MS } from './constants';

export class RestartPolicy {
    private crashes: number[] = [];

    constructor(
        private readonly maxRestarts = MAX_RESTARTS,
        private readonly windowMs = RESTART_WINDOW_MS,
        private readonly now: () => number = Date.now,
    ) {}

    /** Records a crash; true when the server should be restarted. */
    shouldRestart(): boolean {
        const t = this.now();
        this.crashes = this.crashes.filter((c) => t - c < this.windowMs);
        this.crashes.push(t);
        return this.crashes.length <= this.maxRestarts;
    }

    get recentCrashes(): number {
        return this.crashes.length;
    }

    /** A user-initiated (re)start begins with a clean slate. */
    reset(): void {
        this.crashes = [];
    }
}
