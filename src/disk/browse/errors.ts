/** What browsing refuses, by kind, so the editor side can map each to its own file-system error. */

export type BrowseErrorCode =
    /** No such volume, folder or file. */
    | 'NotFound'
    /** A path goes through a file as if it were a folder. */
    | 'NotADirectory'
    /** A file operation on a folder. */
    | 'IsADirectory'
    /** A folder that is its own ancestor (a damaged image): never entered. */
    | 'Loop'
    /** More than a whole-file read may hold in memory, or deeper than the depth bound. */
    | 'TooLarge'
    /** A volume without a readable file system (encrypted, swap, unknown): its note says why. */
    | 'Unreadable'
    /** A save target that would leave the chosen folder, or is not a plain folder. */
    | 'Unsafe'
    /** The caller's signal fired. */
    | 'Cancelled';

export class BrowseError extends Error {
    constructor(
        readonly code: BrowseErrorCode,
        message: string,
    ) {
        super(message);
        this.name = 'BrowseError';
    }
}
