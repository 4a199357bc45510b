import { afterAll, describe, it } from 'vitest';
import { processes } from './peers.js';
import { checkPlacement } from './property.js';

describe('loop0 against the model: each side in a process of its own, through a hub', () => {
  const placement = processes();
  afterAll(() => placement.dispose());

  it('every request completes exactly once with the modelled status and bytes', async () => {
    await checkPlacement(placement, 40, 12);
  }, 3_600_000);
});
