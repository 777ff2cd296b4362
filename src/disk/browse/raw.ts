/**
 * A volume whose contents cannot be read here (an unknown or encrypted file system, swap, a thin
 * or RAID logical volume) is still the user's data: its folder holds one file, the volume's raw
 * bytes, which Save to Workspace copies out like any file (streamed, its zero pieces left as
 * holes). The file's name says what it is; the volume's own name (with its type) is the folder's.
 */
import { checkRead, MAX_READ, type BlockDevice, type FileSystemReader, type FsNode } from '../types';

/** The one file's name for a volume of id `id` ('3', 'rootvg-thin', 'disk'). */
export function rawImageName(id: string): string {
    return `${/^\d+$/.test(id) ? `partition-${id}` : id}.img`;
}

/** The note file's name: why the volume is not shown as files. */
export const RAW_NOTE_NAME = 'why this volume shows as an image.txt';

/** `note`: why the volume cannot be read (encrypted, damaged…), given to the user as a small text file beside the image. */
export function rawImageFs(id: string, device: BlockDevice, typeName: string, note?: string): FileSystemReader {
    const root: FsNode = { id: 'raw-root', name: '', type: 'dir', size: 0 };
    const image: FsNode = { id: 'raw-image', name: rawImageName(id), type: 'file', size: device.size };
    const text = note ? new TextEncoder().encode(`${note}\n\n${image.name} holds the volume's bytes (${typeName}): save it to the workspace to open it with another tool.\n`) : undefined;
    const noteNode: FsNode | undefined = text ? { id: 'raw-note', name: RAW_NOTE_NAME, type: 'file', size: text.length } : undefined;
    return {
        type: typeName,
        async root() {
            return root;
        },
        async list(dir) {
            return dir.id === root.id ? (noteNode ? [image, noteNode] : [image]) : [];
        },
        async read(file, offset, length) {
            if (noteNode && text && file.id === noteNode.id) return text.subarray(Math.max(0, offset), Math.max(0, offset + length));
            if (file.id !== image.id) return new Uint8Array(0);
            const n = Math.max(0, Math.min(length, device.size - offset, MAX_READ));
            if (n === 0) return new Uint8Array(0);
            checkRead(device.size, offset, n, 'raw volume');
            return device.read(offset, n);
        },
        async readlink() {
            throw new Error('a raw volume image has no links');
        },
    };
}
