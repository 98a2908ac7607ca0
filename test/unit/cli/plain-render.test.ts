import { describe, expect, it } from 'vitest';
import { plainRenderer } from '../../../src/cli/render/plain.js';
import type { Step } from '../../../src/engine/plan.js';

const step: Step = { id: 3, deps: [], cause: 'after start', kind: 'service.healthy', service: 'web' };

describe('the plain progress renderer', () => {
  it('writes a health check\'s repeated "waiting" once, and each new reason and every other line as it comes', () => {
    const lines: string[] = [];
    const render = plainRenderer((line) => lines.push(line.slice(13)));
    for (let i = 0; i < 20; i += 1) render({ type: 'step-progress', step, message: 'waiting: connection refused' });
    render({ type: 'step-progress', step, message: 'waiting: HTTP 503' });
    render({ type: 'step-progress', step, message: 'migrating…' });
    render({ type: 'step-progress', step, message: 'migrating…' });
    expect(lines).toEqual([
      '  service:web healthy | waiting: connection refused',
      '  service:web healthy | waiting: HTTP 503',
      '  service:web healthy | migrating…',
      '  service:web healthy | migrating…',
    ]);
  });
});
