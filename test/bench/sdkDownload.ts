/** Peer: @azure/storage-blob BlobClient.downloadToFile, the SDK's own whole-file download. */
import { AnonymousCredential, BlobClient } from '@azure/storage-blob';

async function main(): Promise<void> {
    const [url, out] = process.argv.slice(2);
    const client = new BlobClient(url, new AnonymousCredential());
    await client.downloadToFile(out);
}

main().catch((e: Error) => {
    process.stderr.write(`error ${e.name}\n`);
    process.exit(1);
});
