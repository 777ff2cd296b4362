/** What activate() returns: for automation and the extension's own tests. */
import type * as vscode from 'vscode';
import type { UserInput } from './services';
import type { SentTelemetryEvent } from './telemetry/telemetry';

export interface AzureDisksApi {
    apiVersion: 1;
    /** Replaces every prompt and toast source (services.ui) until the returned disposable is disposed. */
    setUserInput(ui: UserInput): vscode.Disposable;
    treeDataProvider: vscode.TreeDataProvider<unknown>;
    /** Every telemetry event, exactly as handed to the reporter. */
    onDidSendTelemetry: vscode.Event<SentTelemetryEvent>;
    /** For the extension's own tests: what the Cancel buttons and a window reload do, without the UI. */
    testing: {
        /** As Cancel in the progress notification: stops every download of the disk. True when one was running. */
        cancelDownloads(diskId: string): boolean;
        /** As the window closing: downloads stop, their partial files and resume records stay. */
        closeWindow(): void;
        /** As the window opening again: grants held in memory are gone, and resuming is offered. */
        reopenWindow(): void;
    };
}
