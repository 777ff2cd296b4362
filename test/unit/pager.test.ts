import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Pager } from '../../src/tree/pager';

async function* numbers(n: number, failAt?: number, pulls?: number[]): AsyncIterable<number> {
    for (let i = 0; i < n; i++) {
        pulls?.push(i);
        await new Promise((r) => setImmediate(r));
        if (i === failAt) throw new Error(`failed at ${i}`);
        yield i;
    }
}

test('reads one page at a time and knows when it is done', async () => {
    const pulls: number[] = [];
    const p = new Pager(() => numbers(5, undefined, pulls), 2);
    assert.equal(p.started, false);
    await p.next();
    assert.deepEqual(p.items, [0, 1]);
    assert.equal(pulls.length, 2, 'lazy: nothing beyond the page is pulled');
    assert.equal(p.done, false);
    await p.next();
    await p.next();
    assert.deepEqual(p.items, [0, 1, 2, 3, 4]);
    assert.equal(p.done, true);
    await p.next();
    assert.equal(p.items.length, 5);
});

test('concurrent reads share one page', async () => {
    const p = new Pager(() => numbers(10), 3);
    await Promise.all([p.next(), p.next(), p.idle()]);
    assert.deepEqual(p.items, [0, 1, 2]);
});

test('a failure keeps the rows read so far and the error; reset starts over', async () => {
    let calls = 0;
    const p = new Pager(() => (calls++ === 0 ? numbers(5, 3) : numbers(5)), 2);
    await p.next();
    await p.next();
    assert.deepEqual(p.items, [0, 1, 2]);
    assert.match(String((p.error as Error).message), /failed at 3/);
    await p.next();
    assert.deepEqual(p.items, [0, 1, 2], 'no reads after a failure until reset');
    p.reset();
    assert.equal(p.started, false);
    await p.next();
    await p.next();
    await p.next();
    assert.deepEqual(p.items, [0, 1, 2, 3, 4]);
    assert.equal(p.error, undefined);
});

test('reset during a read drops that read and aborts its signal', async () => {
    let seen: AbortSignal | undefined;
    const p = new Pager((signal) => ((seen = signal), numbers(5)), 5);
    const reading = p.next();
    p.reset();
    await reading;
    assert.equal(seen?.aborted, true);
    assert.deepEqual(p.items, []);
});
