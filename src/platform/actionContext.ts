/**
 * What one user action carries: its telemetry properties and measurements, the words its errors
 * need. Work that one action runs inside another (a grant inside a copy, a revoke after a
 * download) runs under a child context of its own, so its properties never overwrite the
 * caller's and it is recorded as its own event. No `vscode` import: tested in the unit tier.
 */
import { isCancellation } from '../shared/cancel';
import type { ErrorContext } from '../shared/errors';

export type EmitEvent = (name: string, properties: Record<string, string>, measurements: Record<string, number>) => void;

export interface ActionContext {
    telemetry: { properties: Record<string, string>; measurements: Record<string, number> };
    /** Filled by handlers so error messages can name the disk (never sent to telemetry). */
    errorContext?: ErrorContext;
    /** Set by a handler that has already told the user about its failure. */
    errorHandled?: boolean;
    /** The command the user ran, that this work belongs to. */
    readonly command?: string;
    /** Sends a nested action's own event (set by the command wrapper). */
    readonly emit?: EmitEvent;
}

export function newActionContext(command?: string, emit?: EmitEvent): ActionContext {
    return { telemetry: { properties: {}, measurements: {} }, command, emit };
}

/**
 * Runs `fn` as nested work `name` of `parent`: under a context of its own (properties, error
 * context), sent as its own event with `parent` naming the command, its result and duration.
 * Errors pass through to the caller, which decides what the user sees.
 */
export async function nested<T>(parent: ActionContext, name: string, fn: (child: ActionContext) => Promise<T>): Promise<T> {
    const child = newActionContext(parent.command, parent.emit);
    const start = performance.now();
    let result: 'Succeeded' | 'Failed' | 'Canceled' = 'Succeeded';
    try {
        return await fn(child);
    } catch (e) {
        result = isCancellation(e) ? 'Canceled' : 'Failed';
        throw e;
    } finally {
        parent.emit?.(name, { ...child.telemetry.properties, parent: parent.command ?? '', result }, { ...child.telemetry.measurements, duration: Math.round(performance.now() - start) });
    }
}
