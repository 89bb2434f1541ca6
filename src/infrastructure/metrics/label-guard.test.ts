import { describe, expect, it } from 'vitest';
import { createLabelGuard } from './label-guard.js';

describe('label guard', () => {
  it('keeps the first N values per label name and folds later ones into other', () => {
    const overflows: string[] = [];
    const guard = createLabelGuard(2, (label) => overflows.push(label));
    expect(guard.fold('model', 'gpt-4o')).toBe('gpt-4o');
    expect(guard.fold('model', 'claude')).toBe('claude');
    expect(guard.fold('model', 'gpt-4o-typo')).toBe('other');
    expect(guard.fold('model', 'gpt-4o')).toBe('gpt-4o');
    expect(guard.fold('provider', 'openai')).toBe('openai'); // limits are per label name
    expect(guard.fold('model', 'another')).toBe('other');
    expect(overflows).toEqual(['model', 'model']);
    expect(guard.sizes()).toEqual({ model: 2, provider: 1 });
  });
});
