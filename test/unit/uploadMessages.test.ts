/** What an upload says at its end and while it runs: a resumed one says so, with how much was already there. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { uploadedMessage, uploadTitle } from '../../src/features/upload/messages';

const MiB = 1024 * 1024;

test('a resumed upload says how much an earlier run had sent', () => {
    assert.equal(uploadedMessage('web-img', 'size, range MD5', 386 * MiB), 'Uploaded and verified web-img (size, range MD5); it is ready to attach to a VM. Resumed: 386 MiB were already there.');
    assert.equal(uploadedMessage('web-img', 'size', 0), 'Uploaded and verified web-img (size); it is ready to attach to a VM.');
    assert.equal(uploadTitle('web-img', true), 'Resuming the upload of web-img');
    assert.equal(uploadTitle('web-img', false), 'Uploading web-img');
});
