/** The blobs the benchmark downloads: seeded into Azurite, or served by our range server. */
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { chunkRanges, mergeRanges, type ByteRange } from '../../src/blob/ranges';
import type { AzuriteHandle } from '../sandbox/azurite';
import { BlobModel, denseModel, fragmentedModel, sparseModel } from './blobModel';
import type { RangeServerOptions } from './rangeServer';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export type Peer = 'ours' | 'ours (no MD5)' | 'ours (MD5 every range)' | 'ours, every gap fetched' | 'downloadToFile' | 'AzCopy' | 'curl|dd limit' | 'curl network only' | 'disk-write limit' | 'MD5 alone, one core';

export interface Scenario {
    name: string;
    model: BlobModel;
    source: 'azurite' | 'range';
    server?: RangeServerOptions;
    concurrency: number;
    peers: Peer[];
    /** What the targets say (ours / peer), checked against the medians of per-round ratios. */
    targets: { peer: Peer; max: number }[];
    /** Further per-round ratios between two peers, reported below the table (with a target when `max` is set). */
    ratios?: { of: Peer; to: Peer; max?: number; why: string }[];
    note?: string;
    /** Rounds × this: runs of a second or less move by ±50 % on a noisy 2-core machine, and cost little to repeat. */
    roundsFactor?: number;
}

export function buildScenarios(quick: boolean): Scenario[] {
    const sparse = quick ? sparseModel(1 * GiB, 0.1, 40, 1) : sparseModel(4 * GiB, 0.1, 124, 1);
    const dense = quick ? denseModel(256 * MiB, 2) : denseModel(1 * GiB, 2);
    const frag = quick ? fragmentedModel(512 * MiB, 1000, 52 * 1024, 3) : fragmentedModel(2 * GiB, 5000, 52 * 1024, 3);
    const fragLink = quick ? fragmentedModel(512 * MiB, 1500, 52 * 1024, 4) : fragmentedModel(4 * GiB, 10_000, 52 * 1024, 4);
    const link: RangeServerOptions = { latencyMs: 30, bytesPerSecond: 50 * MiB };
    const all: Peer[] = ['ours', 'downloadToFile', 'AzCopy', 'curl|dd limit', 'curl network only'];
    return [
        { name: 'Azurite sparse 10 %', model: sparse, source: 'azurite', concurrency: 16, peers: all, targets: [{ peer: 'AzCopy', max: 0.2 }, { peer: 'downloadToFile', max: 0.2 }, { peer: 'curl|dd limit', max: 1.1 }] },
        // 'ours' checks the default sample of range MD5s over plain http; 'ours (MD5 every range)' shows
        // what checking every range costs where client and server share 2 cores.
        {
            name: 'Azurite dense', model: dense, source: 'azurite', concurrency: 16, peers: [...all, 'ours (MD5 every range)'],
            targets: [{ peer: 'AzCopy', max: 0.9 }, { peer: 'downloadToFile', max: 1.0 }, { peer: 'curl|dd limit', max: 1.15 }, { peer: 'curl network only', max: 1.25 }],
            ratios: [{ of: 'ours (MD5 every range)', to: 'ours', why: 'what checking every range MD5 costs, against the default sample' }],
        },
        // 'ours, every gap fetched' is the fewest requests any plan can make (the whole blob in 8 MiB
        // chunks): what is left of Azurite's own work per request and per byte once requests are few.
        {
            name: 'Azurite fragmented', model: frag, source: 'azurite', concurrency: 64, peers: ['ours', 'downloadToFile', 'AzCopy', 'curl network only', 'ours, every gap fetched'], targets: [{ peer: 'AzCopy', max: 0.25 }],
            ratios: [{ of: 'ours, every gap fetched', to: 'AzCopy', why: 'the fewest requests (the whole blob fetched): the floor of any request plan on Azurite' }],
        },
        {
            name: 'Range server, client-bound', model: sparse, source: 'range', server: {}, concurrency: 16, roundsFactor: 3,
            peers: ['ours', 'ours (no MD5)', 'disk-write limit', 'MD5 alone, one core', 'curl|dd limit', 'curl network only'], targets: [{ peer: 'disk-write limit', max: 1.5 }],
            ratios: [
                { of: 'ours (no MD5)', to: 'disk-write limit', max: 1.5, why: 'the engine without the per-range MD5 check (what the prototype measured)' },
                { of: 'MD5 alone, one core', to: 'disk-write limit', why: 'the CPU the MD5 check needs by itself, against the disk limit' },
            ],
        },
        {
            name: 'Range server, long haul (30 ms, 50 MiB/s per connection)', model: sparse, source: 'range', server: link, concurrency: 16,
            peers: ['ours', 'AzCopy', 'curl|dd limit'], targets: [{ peer: 'AzCopy', max: 0.25 }, { peer: 'curl|dd limit', max: 1.5 }],
            note: 'downloadToFile left out: one connection at 50 MiB/s takes minutes (82 s measured in the prototype study).',
        },
        {
            name: 'Range server, fragmented long haul', model: fragLink, source: 'range', server: link, concurrency: 64,
            peers: ['ours', 'AzCopy', 'curl network only'], targets: [{ peer: 'AzCopy', max: 0.25 }, { peer: 'curl network only', max: 1.5 }],
        },
    ];
}

/** The chunk plan every range-based peer uses: written ranges, gaps ≤ 64 KiB merged, 4 MiB chunks. */
export function planOf(model: BlobModel): ByteRange[] {
    return chunkRanges(mergeRanges(model.ranges, 64 * 1024, model.size), 4 * MiB);
}

/** Creates the page blob in Azurite and returns a read SAS URL for it. */
export async function seedAzurite(az: AzuriteHandle, container: string, blob: string, model: BlobModel): Promise<string> {
    const cred = new StorageSharedKeyCredential(az.accountName, az.accountKey);
    const svc = new BlobServiceClient(az.endpoint, cred);
    const cc = svc.getContainerClient(container);
    await cc.createIfNotExists();
    const pb = cc.getPageBlobClient(blob);
    await pb.create(model.size);
    const pieces = chunkRanges(model.ranges, 4 * MiB);
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
        for (let i = next++; i < pieces.length; i = next++) {
            const p = pieces[i];
            await pb.uploadPages(model.read(p.start, p.end), p.start, p.end - p.start);
        }
    }));
    const sas = generateBlobSASQueryParameters({
        containerName: container, blobName: blob, permissions: BlobSASPermissions.parse('r'),
        startsOn: new Date(Date.now() - 60_000), expiresOn: new Date(Date.now() + 24 * 3600_000),
    }, cred).toString();
    return `${pb.url}?${sas}`;
}
