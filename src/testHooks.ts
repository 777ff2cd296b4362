/**
 * What the extension's own host tests need beyond the public API: replacing every prompt with a
 * scripted one, the tree provider, the telemetry as sent, and what a window close and reopen do.
 * Present only when the test runner sets AZURE_DISKS_TEST_HOOKS=1; a normal install never has it.
 */
import * as vscode from 'vscode';
import type { AzureDisksApi } from './app/api';
import type { AppContext } from './app/context';
import { offerCopyResumes, stopRunningCopies } from './features/copy';
import { offerPendingResumes } from './features/download';
import { offerTemporarySnapshots } from './features/snapshot';
import type { SentTelemetryEvent } from './platform/telemetry';
import type { UserInput } from './platform/userInput';
import { walkthroughContextKey, type WalkthroughStep } from './platform/walkthrough';
import { StateKey } from './shared/constants';
import type { DelegatingUserInput } from './platform/vscodeUserInput';

export const TEST_HOOKS_ENV = 'AZURE_DISKS_TEST_HOOKS';

export function testHooksEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
    return env[TEST_HOOKS_ENV] === '1';
}

export interface AzureDisksTestApi extends AzureDisksApi {
    /** Replaces every prompt and toast source until the returned disposable is disposed. */
    setUserInput(ui: UserInput): vscode.Disposable;
    treeDataProvider: vscode.TreeDataProvider<unknown>;
    /** Every telemetry event, exactly as handed to the reporter. */
    onDidSendTelemetry: vscode.Event<SentTelemetryEvent>;
    testing: {
        /** As Cancel in the progress notification: stops every download of the disk. True when one was running. */
        cancelDownloads(diskId: string): boolean;
        /** As Cancel in a copy's progress notification: stops every running Copy to…; the number stopped. */
        cancelCopies(): number;
        /** As the window closing: downloads and copies stop, their partial files, journals and resume records stay. */
        closeWindow(): void;
        /** As the window opening again: grants held in memory are gone, resuming is offered, and temporary snapshots nobody answered for are asked about. */
        reopenWindow(): void;
        /** The walkthrough steps recorded as done (globalState), and a way to start over. */
        walkthroughDone(): string[];
        resetWalkthrough(): Promise<void>;
    };
}

export function withTestHooks(api: AzureDisksApi, ctx: AppContext, ui: DelegatingUserInput): AzureDisksTestApi {
    return {
        ...api,
        setUserInput(next: UserInput): vscode.Disposable {
            const previous = ui.target;
            ui.target = next;
            return new vscode.Disposable(() => {
                if (ui.target === next) ui.target = previous;
            });
        },
        treeDataProvider: ctx.tree,
        onDidSendTelemetry: ctx.telemetry.onDidSendEvent,
        testing: {
            cancelDownloads: (diskId) => ctx.tracker.cancel(diskId),
            cancelCopies: () => stopRunningCopies(),
            closeWindow: () => {
                ctx.tracker.shutdown();
                stopRunningCopies();
            },
            reopenWindow: () => {
                ctx.tracker.shuttingDown = false;
                for (const g of ctx.services.grants.all()) ctx.services.grants.delete(g.ref.id);
                offerPendingResumes(ctx);
                offerCopyResumes(ctx);
                offerTemporarySnapshots(ctx);
            },
            walkthroughDone: () => [...(ctx.services.context.globalState.get<string[]>(StateKey.WalkthroughDone) ?? [])],
            resetWalkthrough: async () => {
                for (const step of ctx.services.context.globalState.get<WalkthroughStep[]>(StateKey.WalkthroughDone) ?? []) {
                    await vscode.commands.executeCommand('setContext', walkthroughContextKey(step), false);
                }
                await ctx.services.context.globalState.update(StateKey.WalkthroughDone, undefined);
            },
        },
    };
}
