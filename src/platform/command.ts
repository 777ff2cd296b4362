/**
 * Every command runs through here: one telemetry event with result and duration, details to the
 * log, one toast with "Show Log" on failure, silence on user cancel.
 */
import * as vscode from 'vscode';
import { Cmd } from '../shared/constants';
import { isCancellation as isCancellationError } from '../shared/cancel';
import { type Services } from './services';
import { formatMapped, mapError } from '../shared/errors';
import { newActionContext, type ActionContext } from './actionContext';
import type { Telemetry } from './telemetry';

export type { ActionContext };

export function isCancellation(e: unknown): boolean {
    // GoBackError escaping the first prompt of a flow means the user backed out of it.
    return e instanceof vscode.CancellationError || isCancellationError(e);
}

/* eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers receive whatever VS Code passes (nodes, refs, URIs). */
export type Handler = (actx: ActionContext, ...args: any[]) => Promise<unknown>;

/** Runs `handler` with telemetry and error handling, without registering it (for callers that chain commands). */
export async function runWithTelemetry(services: Services, telemetry: Telemetry, id: string, handler: Handler, args: unknown[]): Promise<unknown> {
    const actx = newActionContext(id, (name, properties, measurements) => telemetry.sendEvent(name, properties, measurements));
    const start = performance.now();
    let result: 'Succeeded' | 'Failed' | 'Canceled' = 'Succeeded';
    let errorCode: string | undefined;
    try {
        return await handler(actx, ...args);
    } catch (e) {
        if (isCancellation(e)) {
            result = 'Canceled';
            services.log.debug(`${id}: cancelled`);
            return undefined;
        }
        result = 'Failed';
        const mapped = mapError(e, actx.errorContext);
        errorCode = mapped.armCode ? `${mapped.code}/${mapped.armCode}` : mapped.code;
        services.log.error(`${id} failed (${errorCode}): ${formatMapped(mapped)}`);
        // A stack helps only with the unexpected; a refusal in plain words is the whole story
        // (its stack, at debug level, is still there for a bug report).
        if (e instanceof Error) {
            if (mapped.code === 'Unknown') services.log.error(e);
            else services.log.debug(e.stack ?? e.message);
        }
        if (!actx.errorHandled) {
            const showLog = vscode.l10n.t('Show Log');
            void services.ui.showErrorMessage(formatMapped(mapped), showLog).then(
                (choice) => {
                    if (choice === showLog) services.log.show();
                },
                () => undefined,
            );
        }
        return undefined;
    } finally {
        const properties: Record<string, string> = { ...actx.telemetry.properties, command: id, result };
        if (errorCode) properties.error = errorCode;
        telemetry.sendEvent(id.replace(/^azureDisks\./, ''), properties, { ...actx.telemetry.measurements, duration: Math.round(performance.now() - start) });
    }
}

/** Registers a command id with its handler, through runWithTelemetry. */
export type Register = (id: Cmd, handler: Handler) => vscode.Disposable;

export function registerCommand(services: Services, telemetry: Telemetry, id: Cmd, handler: Handler): vscode.Disposable {
    return vscode.commands.registerCommand(id, (...args: unknown[]) => runWithTelemetry(services, telemetry, id, handler, args));
}
