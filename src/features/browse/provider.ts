/**
 * The read-only `azure-disk:` file system: each URI's authority is a browse session, its path a
 * path in the session's tree (safe names, as URIs carry them), its query the disk or image it
 * reopens from after a reload. Every failure becomes a FileSystemError in plain words.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BrowseError, type BrowseEntry, type BrowseTree } from '../../disk/browse';
import { DiskFormatError } from '../../disk/types';
import type { Logger } from '../../shared/logger';
import { isCancellation } from '../../platform/command';
import { scrubSecrets } from '../../shared/secrets';
import type { BrowseSessions, Session } from './sessions';
import { decodeSource, isSessionId, sourceLabel } from './source';

export class DiskFileSystemProvider implements vscode.FileSystemProvider {
    private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
    /** Nothing on a disk being browsed changes: never fires. */
    readonly onDidChangeFile = this.changes.event;

    constructor(
        private readonly sessions: BrowseSessions,
        private readonly log: Logger,
    ) {}

    watch(): vscode.Disposable {
        return new vscode.Disposable(() => undefined);
    }

    stat(uri: vscode.Uri): Promise<vscode.FileStat> {
        return this.call(uri, async (t, p) => {
            const e = await t.stat(p);
            return { type: fileType(e), size: e.size, mtime: e.mtimeMs ?? 0, ctime: e.ctimeMs ?? e.mtimeMs ?? 0, permissions: vscode.FilePermission.Readonly };
        });
    }

    readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
        return this.call(uri, async (t, p) => (await t.readDirectory(p)).map((e): [string, vscode.FileType] => [e.name, fileType(e)]));
    }

    readFile(uri: vscode.Uri): Promise<Uint8Array> {
        return this.call(uri, (t, p) => t.readFile(p));
    }

    createDirectory(uri: vscode.Uri): never {
        throw vscode.FileSystemError.NoPermissions(uri);
    }

    writeFile(uri: vscode.Uri): never {
        throw vscode.FileSystemError.NoPermissions(uri);
    }

    delete(uri: vscode.Uri): never {
        throw vscode.FileSystemError.NoPermissions(uri);
    }

    rename(uri: vscode.Uri): never {
        throw vscode.FileSystemError.NoPermissions(uri);
    }

    /** The session a URI belongs to, opened again from its query when this window has none. */
    session(uri: vscode.Uri): Promise<Session> {
        if (!isSessionId(uri.authority)) throw vscode.FileSystemError.FileNotFound(uri);
        const source = decodeSource(uri.query);
        return this.sessions.get(uri.authority, source, source ? sourceLabel(source, path.basename) : uri.authority);
    }

    private async call<T>(uri: vscode.Uri, fn: (tree: BrowseTree, p: string) => Promise<T>): Promise<T> {
        try {
            const s = await this.session(uri);
            return await fn(s.tree, uri.path || '/');
        } catch (e) {
            throw toFileSystemError(e, uri, this.log);
        }
    }
}

/** A link is shown as a link to a file: opening it shows its stored target (it is never followed). */
export function fileType(e: BrowseEntry): vscode.FileType {
    switch (e.type) {
        case 'dir':
            return vscode.FileType.Directory;
        case 'file':
            return vscode.FileType.File;
        case 'symlink':
            return vscode.FileType.SymbolicLink | vscode.FileType.File;
        default:
            return vscode.FileType.Unknown;
    }
}

export function toFileSystemError(e: unknown, uri: vscode.Uri, log: Logger): vscode.FileSystemError {
    if (e instanceof vscode.FileSystemError) return e;
    if (isCancellation(e)) return vscode.FileSystemError.Unavailable(vscode.l10n.t('Opening the disk was cancelled. Run Browse Contents again to open it.'));
    if (e instanceof BrowseError) {
        if (e.code === 'NotFound') return vscode.FileSystemError.FileNotFound(uri);
        if (e.code === 'NotADirectory') return vscode.FileSystemError.FileNotADirectory(uri);
        if (e.code === 'IsADirectory') return vscode.FileSystemError.FileIsADirectory(uri);
        log.warn(`${uri.path}: ${e.message}`);
        return vscode.FileSystemError.Unavailable(e.message);
    }
    const message = scrubSecrets(e instanceof Error ? e.message : String(e));
    log.warn(`${uri.path}: ${message}`);
    if (e instanceof DiskFormatError) return vscode.FileSystemError.Unavailable(vscode.l10n.t('The disk holds a damaged structure that cannot be read: {0}', message));
    return vscode.FileSystemError.Unavailable(message);
}
