/**
 * One event per command. Wraps @vscode/extension-telemetry's reporter, which honours VS Code's
 * telemetry setting. The connection string is empty (no ingestion key is shipped) and the
 * transport below never opens a connection, so events reach only `onDidSendEvent` listeners.
 */
import * as vscode from 'vscode';
import { TelemetryReporter } from '@vscode/extension-telemetry';
import { maskProperties } from './telemetryMask';

export interface SentTelemetryEvent {
    eventName: string;
    properties: Record<string, string>;
    measurements: Record<string, number>;
    /** Whether VS Code's telemetry setting allowed the reporter to send it. */
    enabled: boolean;
}

const CONNECTION_STRING = '';

/** Accepts every batch without sending it anywhere. */
async function noNetwork(): Promise<{ text: () => Promise<string>; status: number; headers: Iterable<[string, string]> }> {
    return { text: async () => '', status: 200, headers: [] };
}

export class Telemetry implements vscode.Disposable {
    private readonly emitter = new vscode.EventEmitter<SentTelemetryEvent>();
    readonly onDidSendEvent = this.emitter.event;
    private reporter?: TelemetryReporter;

    constructor(private readonly log?: (message: string) => void) {
        try {
            this.reporter = new TelemetryReporter(CONNECTION_STRING, undefined, undefined, noNetwork);
        } catch (e) {
            log?.(`Telemetry is unavailable: ${(e as Error).message}`);
        }
    }

    sendEvent(eventName: string, properties: Record<string, string | undefined> = {}, measurements: Record<string, number> = {}): void {
        const props = maskProperties(properties);
        const enabled = vscode.env.isTelemetryEnabled;
        this.reporter?.sendTelemetryEvent(eventName, props, measurements);
        this.emitter.fire({ eventName, properties: props, measurements: { ...measurements }, enabled });
    }

    dispose(): void {
        this.emitter.dispose();
        void this.reporter?.dispose();
    }
}
