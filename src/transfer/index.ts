/** The transfer engine's public surface. Plain Node: nothing here imports vscode. */
export { downloadBlob, discardPartial, partialPaths } from './download';
export { redactUrl, scrubSecrets, assertSecureUrl, isLoopbackHost } from './url';
export { mergeRanges, chunkRanges, subtractRanges, type ByteRange } from './plan';
export * from './types';
export { checkVhdFooter, checkVhdxHeader } from './vhd';
