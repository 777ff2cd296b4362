/**
 * Browsing a disk's volumes as one read-only tree of safe names, and saving parts of it into a
 * local folder. No `vscode` here: the editor side (src/features/browse) maps this onto a
 * FileSystemProvider.
 */
export { BrowseError, type BrowseErrorCode } from './errors';
export { decodeName, fitLocalName, safeName } from './names';
export { saveTo, type SaveOptions, type SaveProgress, type SaveRename, type SaveResult, type SaveSkip, type SkipReason } from './save';
export { BrowseTree, joinPath, readChunks, splitPath, type BrowseEntry, type BrowseVolume, type TreeOptions } from './tree';
export { RAW_NOTE_NAME, rawImageFs, rawImageName } from './raw';
