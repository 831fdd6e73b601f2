import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LabClock } from '../../lab/clock';

describe('LabClock', () => {
  test('starts at the given lab time and runs scale times faster than real time', async () => {
    const clock = new LabClock({ scale: 60, start: Date.UTC(2025, 0, 1) });
    assert.ok(clock.now() - Date.UTC(2025, 0, 1) < 1000, 'starts at the given epoch');
    const realStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const realElapsed = performance.now() - realStart;
    const labElapsed = clock.now() - Date.UTC(2025, 0, 1);
    assert.ok(labElapsed >= realElapsed * 60 * 0.9, `lab ${labElapsed} ms for real ${realElapsed} ms`);
  });

  test('starts at the real time by default', () => {
    const clock = new LabClock();
    assert.ok(Math.abs(clock.now() - Date.now()) < 50);
    assert.equal(clock.date().getUTCFullYear(), new Date().getUTCFullYear());
  });

  test('sleep waits lab time: a lab minute is a real second at scale 60', async () => {
    const clock = new LabClock({ scale: 60 });
    assert.equal(clock.realMs(60_000), 1000);
    const labBefore = clock.now();
    const realBefore = performance.now();
    await clock.sleep(6000);
    const real = performance.now() - realBefore;
    assert.ok(real >= 95 && real < 1000, `6 lab seconds took ${real} real ms`);
    assert.ok(clock.now() - labBefore >= 6000);
  });

  test('sleep rejects when aborted', async () => {
    const clock = new LabClock({ scale: 1 });
    const controller = new AbortController();
    const sleeping = clock.sleep(60_000, controller.signal);
    controller.abort(new Error('power lost'));
    await assert.rejects(sleeping, /power lost/);
  });

  test('refuses a scale that is not positive', () => {
    assert.throws(() => new LabClock({ scale: 0 }), RangeError);
  });
});
