import { forEachConcurrently } from '../../src/runtime/concurrency';

/** A piece of work the test finishes by hand, with a count of those in flight. */
function controlledWork() {
  const started: number[] = [];
  const finished: number[] = [];
  const finishers = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let inFlight = 0;
  let mostInFlight = 0;
  const work = (item: string, index: number) => {
    started.push(index);
    expect(item).toBe(`item ${index}`);
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    return new Promise<void>((resolve, reject) => finishers.set(index, { resolve, reject })).finally(() => {
      inFlight--;
      finished.push(index);
    });
  };
  return {
    work, started, finished, finishers,
    get mostInFlight() { return mostInFlight; },
  };
}

const itemsOf = (count: number) => Array.from({ length: count }, (_, index) => `item ${index}`);
/** Lets every settled promise's continuations run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('forEachConcurrently', () => {
  it('starts the first `limit` items in order, then the next one each time one finishes; never more than `limit` at once', async () => {
    const run = controlledWork();
    const call = forEachConcurrently(itemsOf(5), 2, run.work);
    expect(run.started).toEqual([0, 1]);
    run.finishers.get(1)!.resolve();
    await settle();
    expect(run.started).toEqual([0, 1, 2]);
    run.finishers.get(0)!.resolve();
    await settle();
    expect(run.started).toEqual([0, 1, 2, 3]);
    run.finishers.get(3)!.resolve();
    await settle();
    expect(run.started).toEqual([0, 1, 2, 3, 4]);
    run.finishers.get(2)!.resolve();
    run.finishers.get(4)!.resolve();
    await call;
    expect(run.finished).toEqual([1, 0, 3, 2, 4]);
    expect(run.mostInFlight).toBe(2);
  });

  it('a limit larger than the list starts every item at once', async () => {
    const run = controlledWork();
    const call = forEachConcurrently(itemsOf(3), 10, run.work);
    expect(run.started).toEqual([0, 1, 2]);
    for (const finisher of run.finishers.values()) finisher.resolve();
    await call;
    expect(run.mostInFlight).toBe(3);
  });

  it('an empty list resolves without calling the work', async () => {
    const work = jest.fn(async () => undefined);
    await forEachConcurrently([], 3, work);
    expect(work).not.toHaveBeenCalled();
  });

  it('a failure rejects the call at once, without waiting for the item in flight, and starts nothing after it', async () => {
    const run = controlledWork();
    const call = forEachConcurrently(itemsOf(5), 2, run.work);
    const failure = new Error('item 0 failed');
    run.finishers.get(0)!.reject(failure);
    await expect(call).rejects.toBe(failure);
    expect(run.finished).toEqual([0]);
    run.finishers.get(1)!.resolve();
    await settle();
    expect(run.started).toEqual([0, 1]);
    expect(run.finished).toEqual([0, 1]);
  });

  it('refuses a limit that is not a positive integer (it would run nothing)', async () => {
    const work = jest.fn(async () => undefined);
    await expect(forEachConcurrently(itemsOf(2), 0, work)).rejects.toThrow(RangeError);
    await expect(forEachConcurrently(itemsOf(2), 1.5, work)).rejects.toThrow(RangeError);
    expect(work).not.toHaveBeenCalled();
  });
});
