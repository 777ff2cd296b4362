/**
 * The services every command and view receives. Passed in, never read from globals, so tests can
 * swap one (the host-tier tests swap `ui` for a scripted fake).
 */
import type * as vscode from 'vscode';
import type { DiskService } from '../azure/diskService';
import type { GrantStore } from '../azure/grantStore';
import type { ImportService } from '../azure/importService';
import type { Logger } from '../shared/logger';
import type { UserInput } from './userInput';

export interface Services {
    context: vscode.ExtensionContext;
    log: Logger;
    ui: UserInput;
    disks: DiskService;
    grants: GrantStore;
    /** Storage accounts and ImportSecure (Create Disk from Blobs). */
    imports: ImportService;
}
