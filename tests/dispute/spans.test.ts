// matchAll (dispute/read/spans.ts) walks its own global copy of a pattern, kept between calls: a walk inside a
// walk of the same pattern, a walk left early and the caller's own regex must not disturb one another.
import { describe, expect, it } from 'vitest';
import { matchAll } from '../../dispute/read/spans.ts';

const starts = (text: string, re: RegExp) => [...matchAll(text, re)].map((m) => m.index);

describe('matchAll', () => {
  it('finds every match of a pattern without the global flag, and of one with it', () => {
    expect(starts('a1 b22 c333', /\d+/)).toEqual([1, 4, 8]);
    expect(starts('a1 b22 c333', /\d+/g)).toEqual([1, 4, 8]);
  });

  it('walks the same pattern inside a walk of it, each from its own position', () => {
    const re = /\d/g;
    const pairs: string[] = [];
    // Bounded: with one shared position the outer walk would start over after every inner one, for ever.
    outer: for (const outer of matchAll('12', re)) {
      for (const inner of matchAll('345', re)) {
        pairs.push(`${outer[0]}${inner[0]}`);
        if (pairs.length > 10) break outer;
      }
    }
    expect(pairs).toEqual(['13', '14', '15', '23', '24', '25']);
  });

  it('starts again from the beginning after a walk that stopped early', () => {
    const re = /\d/;
    for (const m of matchAll('123', re)) if (m[0] === '2') break;
    expect(starts('123', re)).toEqual([0, 1, 2]);
    // And after one abandoned half way without being closed.
    const left = matchAll('456', re);
    left.next();
    expect(starts('789', re)).toEqual([0, 1, 2]);
  });

  it('leaves the lastIndex of the caller\'s regex as it was', () => {
    const re = /\d/g;
    re.lastIndex = 2;
    expect(starts('1234', re)).toEqual([0, 1, 2, 3]);
    expect(re.lastIndex).toBe(2);
  });

  it('steps over empty matches', () => {
    expect(starts('ab', /x*/g)).toEqual([0, 1, 2]);
  });
});
