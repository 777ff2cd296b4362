/**
 * The services every command and view receives. Passed in, never read from globals, so tests can
 * swap one (the host-tier tests swap `ui` for a scripted fake through the extension's API).
 */
import type * as vscode from 'vscode';
import type { DiskInfo, DiskRef, Grant, GrantRequest, ResourceGroupInfo, SubscriptionInfo, TenantInfo } from './azure/types';

/** Every prompt the extension shows goes through this, so an unscripted prompt in a test fails at once. */
export interface UserInput {
    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options: vscode.QuickPickOptions & { canPickMany: true; step?: number; totalSteps?: number }): Promise<T[]>;
    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options?: vscode.QuickPickOptions & { step?: number; totalSteps?: number }): Promise<T>;
    showInputBox(options: vscode.InputBoxOptions & { step?: number; totalSteps?: number }): Promise<string>;
    /** Modal or non-modal question; resolves to the chosen item's title, or undefined when dismissed. */
    showWarningMessage(message: string, options: vscode.MessageOptions, ...items: string[]): Promise<string | undefined>;
    showOpenDialog(options: vscode.OpenDialogOptions): Promise<vscode.Uri[] | undefined>;
    /** Toasts. Non-modal ones need no answer (a test fake records them); resolve to the chosen item. */
    showErrorMessage(message: string, ...items: string[]): Promise<string | undefined>;
    showInformationMessage(message: string, ...items: string[]): Promise<string | undefined>;
}

/** Thrown by UserInput when the user presses Escape: commands end quietly (result Canceled). */
export class UserCancelledError extends Error {
    /** Recognised by name: a UserInput from another bundle (the host tests' scripted input) throws its own copy. */
    static [Symbol.hasInstance](x: unknown): boolean {
        return (x as Error | undefined)?.name === 'UserCancelledError';
    }

    constructor(readonly step?: string) {
        super('Operation cancelled.');
        this.name = 'UserCancelledError';
    }
}

/** Thrown by a wizard step when the user chose Back. */
export class GoBackError extends Error {
    /** Recognised by name, like UserCancelledError. */
    static [Symbol.hasInstance](x: unknown): boolean {
        return (x as Error | undefined)?.name === 'GoBackError';
    }

    constructor() {
        super('Back');
        this.name = 'GoBackError';
    }
}

export interface DiskService {
    listTenants(signal?: AbortSignal): Promise<TenantInfo[]>;
    listSubscriptions(signal?: AbortSignal): Promise<SubscriptionInfo[]>;
    listResourceGroups(sub: SubscriptionInfo, signal?: AbortSignal): AsyncIterable<ResourceGroupInfo>;
    listDisks(rg: ResourceGroupInfo, signal?: AbortSignal): AsyncIterable<DiskInfo>;
    getDisk(ref: DiskRef, signal?: AbortSignal): Promise<DiskInfo>;
    grantAccess(ref: DiskRef, request: GrantRequest, signal?: AbortSignal): Promise<Grant>;
    revokeAccess(ref: DiskRef, signal?: AbortSignal): Promise<void>;
}

/** Live grants, in memory only. */
export interface GrantStore {
    get(diskId: string): Grant | undefined;
    set(grant: Grant): void;
    delete(diskId: string): void;
    all(): Grant[];
    readonly onDidChange: vscode.Event<string /* diskId */>;
}

export interface Logger {
    info(message: string, ...args: unknown[]): void;
    warn(message: string, ...args: unknown[]): void;
    error(message: string | Error, ...args: unknown[]): void;
    debug(message: string, ...args: unknown[]): void;
    show(): void;
}

export interface Services {
    context: vscode.ExtensionContext;
    log: Logger;
    ui: UserInput;
    disks: DiskService;
    grants: GrantStore;
}
