/** Create Disk from Blobs' checks before the PUT: URL shape, https unless loopback, the account, no SAS, names, metadata rules. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { blobUrlProblem, importRefusal, importRefusalStep, listedBlobProblem, suggestImportName, takesMetadataBlob } from '../../src/shared/importRules';
import { DiskError } from '../../src/shared/errors';
import { blobsOffered, type ImportAnswers } from '../../src/features/import/wizard';
import { diskNameProblem } from '../../src/shared/names';

const account = { name: 'mystorageaccount', blobEndpoint: 'https://mystorageaccount.blob.core.windows.net/' };
const others = [{ name: 'otheraccount', location: 'westus2', blobEndpoint: 'https://otheraccount.blob.core.windows.net/' }];

test('a blob URL of the account is accepted; the example\'s URLs pass', () => {
    assert.equal(blobUrlProblem('https://mystorageaccount.blob.core.windows.net/osimages/osimage.vhd', account), undefined);
    assert.equal(blobUrlProblem('  https://MYSTORAGEACCOUNT.blob.core.windows.net/osimages/dir/vmgs.vhd ', account), undefined, 'host case and spaces do not matter');
    const local = { name: 'st1', blobEndpoint: 'http://127.0.0.1:10000/st1/' };
    assert.equal(blobUrlProblem('http://127.0.0.1:10000/st1/c/b.vhd', local), undefined, 'http to a loopback emulator');
});

test('each problem of a pasted URL has its own plain message', () => {
    const cases: [string, RegExp][] = [
        ['', /Enter the blob's URL/],
        ['osimages/osimage.vhd', /not a URL/],
        ['http://mystorageaccount.blob.core.windows.net/osimages/osimage.vhd', /must use https/],
        ['http://127.0.0.1.example.com/osimages/osimage.vhd', /must use https/],
        ['https://mystorageaccount.blob.core.windows.net/osimages/osimage.vhd?sv=2024&sig=abc', /Leave out the "\?…" part \(a SAS\)/],
        ['https://otheraccount.blob.core.windows.net/osimages/osimage.vhd', /in storage account otheraccount \(westus2\), not in mystorageaccount/],
        ['https://stranger.blob.core.windows.net/osimages/osimage.vhd', /not in storage account mystorageaccount/],
        ['https://mystorageaccount.blob.core.windows.net/osimage.vhd', /must name a container and a blob/],
    ];
    for (const [value, message] of cases) assert.match(blobUrlProblem(value, account, others) ?? 'accepted', message, value);
});

test('a listed blob that is not a page blob, or not sized as a fixed VHD, is refused before the PUT', () => {
    assert.match(listedBlobProblem({ name: 'a.vhd', blobType: 'BlockBlob', size: 1024 * 1024 + 512 }, 'sourceUri')!.message, /OS disk blob a\.vhd is a block blob/);
    assert.match(listedBlobProblem({ name: 'a.img', blobType: 'PageBlob', size: 4 * 1024 * 1024 }, 'securityDataUri')!.message, /VM guest state \(VMGS\) blob a\.img is not a fixed VHD/);
    assert.equal(listedBlobProblem({ name: 'a.vhd', blobType: 'PageBlob', size: 32 * 1024 * 1024 + 512 }, 'sourceUri'), undefined);
});

test('only confidential types take a metadata blob; names follow Azure\'s rule', () => {
    assert.equal(takesMetadataBlob('TrustedLaunch'), false);
    assert.equal(takesMetadataBlob(undefined), false);
    assert.equal(takesMetadataBlob('ConfidentialVM_DiskEncryptedWithCustomerKey'), true);
    assert.equal(suggestImportName('osimage.vhd'), 'osimage');
    assert.equal(suggestImportName('-my image!.vhd'), 'my-image');
    assert.equal(diskNameProblem(suggestImportName('...')), undefined);
    assert.match(diskNameProblem('bad-')!, /must end with/);
});

test('an error that is not about the import\'s inputs is left to the general mapping', () => {
    const ctx = { accountName: 'a', accountLocation: 'eastus', diskLocation: 'eastus', securityType: 'TrustedLaunch', uris: {} };
    assert.equal(importRefusal({ code: 'AuthorizationFailed', message: 'The client does not have authorization' }, ctx), undefined);
    assert.equal(importRefusal(new Error('socket hang up'), ctx), undefined);
});

test('a refusal names the wizard step to ask again: the blob it quotes, the account, the security type, the name', () => {
    const uris = { sourceUri: 'https://st1.blob.core.windows.net/c/os.vhd', securityDataUri: 'https://st1.blob.core.windows.net/c/vmgs.vhd' };
    const ctx = { accountName: 'st1', accountLocation: 'eastus', diskLocation: 'eastus', securityType: 'TrustedLaunch', uris };
    const stepOf = (err: { code?: string; message: string; details?: unknown }) => importRefusalStep(importRefusal(err, ctx)!, err, ctx);
    assert.equal(stepOf({ code: 'InvalidParameter', message: `The blob ${uris.securityDataUri} is a block blob; only page blobs are supported.` }), 'securityDataUri');
    assert.equal(stepOf({ code: 'InvalidVhd', message: `The blob ${uris.sourceUri} is not a fixed VHD.` }), 'sourceUri');
    assert.equal(stepOf({ code: 'InvalidParameter', message: 'The storage account must be in the same region as the disk.' }), 'account');
    assert.equal(stepOf({ code: 'InvalidParameter', message: "'securityMetadataUri' can be set only for a ConfidentialVM security type." }), 'securityType');
    assert.equal(importRefusalStep(new DiskError('ImportNameTaken', 'taken'), undefined, ctx), 'name');
    assert.equal(importRefusalStep(new DiskError('Throttled', 'slow down'), undefined, ctx), undefined);
});

test('the guest state and metadata pickers leave out block blobs and the blobs already chosen', () => {
    const blob = (name: string, blobType = 'PageBlob') => ({ container: 'c', name, blobType, size: 1024 * 1024 + 512, url: `https://st1.blob.core.windows.net/c/${name}` });
    const listing = [blob('os.vhd'), blob('vmgs.vhd'), blob('vmmd.vhd'), blob('block.vhd', 'BlockBlob'), blob('log.txt', 'AppendBlob')];
    const a = { listing, sourceUri: listing[0].url } as ImportAnswers;
    assert.deepEqual(blobsOffered(a, 'sourceUri').map((b) => b.name), ['os.vhd', 'vmgs.vhd', 'vmmd.vhd', 'block.vhd', 'log.txt'], 'the OS disk picker lists all: one that cannot be used is refused with why');
    assert.deepEqual(blobsOffered(a, 'securityDataUri').map((b) => b.name), ['vmgs.vhd', 'vmmd.vhd']);
    assert.deepEqual(blobsOffered({ ...a, securityDataUri: listing[1].url }, 'securityMetadataUri').map((b) => b.name), ['vmmd.vhd']);
});
