// The regex policy of the embedded server, pattern by pattern: what it refuses (and why), what it
// still accepts, and that what it accepts runs in time linear in its input.
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { BSONRegExp } from 'bson';
import { MongoCommandError } from '../../../src/dev/embedded-mongo/errors.js';
import { vetPattern, vetRegexes } from '../../../src/dev/embedded-mongo/regex.js';

function refusal(run: () => void): MongoCommandError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(MongoCommandError);
    return error as MongoCommandError;
  }
  expect.fail('expected the pattern to be refused');
}

describe('embedded mongo security: regex policy', function () {
  const refused: [string, string, number, RegExp][] = [
    ['^(a+)+$', '', 2, /repeated group contains a quantifier/],
    ['^(a*)*$', '', 2, /repeated group contains a quantifier/],
    ['^(a|a)+$', '', 2, /repeated group contains a quantifier or an alternation/],
    ['^(?:a?){2,9}$', '', 2, /repeated group/],
    ['^(a)\\1$', '', 2, /backreferences/],
    ['^(?<x>a)\\k<x>$', '', 2, /backreferences/],
    ['a*a*x', '', 2, /more than one unbounded quantifier/],
    ['^\\s*\\S+\\s*$', '', 2, /more than one unbounded quantifier/],
    ['.*x', '', 2, /not anchored/],
    ['^.*x', 'm', 2, /not anchored/],
    ['^a.*|b+', '', 2, /more than one unbounded quantifier/],
    ['(?<=a*)b', '', 2, /not anchored/],
    ['(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)x', '', 2, /too many backtracking alternatives/],
    ['[a-z]{0,1000}x', '', 2, /too many backtracking alternatives/],
    ['a'.repeat(1001), '', 2, /too long/],
    ['a\0b', '', 2, /null byte/],
    ['(', '', 51091, /invalid/],
  ];
  for (const [pattern, flags, code, reason] of refused) {
    it(`refuses /${pattern.slice(0, 40)}/${flags} with code ${code} (${String(reason)})`, function () {
      const error = refusal(() => {
        vetPattern(pattern, flags);
      });
      expect(error.code).to.equal(code);
      expect(error.message).to.match(reason);
    });
  }

  const accepted: [string, string][] = [
    ['^abc', ''],
    ['^abc.*', ''],
    ['^user-\\d+$', ''],
    ['abc', 'i'],
    ['foo|bar|baz', ''],
    ['\\d{4}-\\d{2}-\\d{2}', ''],
    ['^[\\w.+-]+@example\\.com$', 'i'],
    ['^(?:ab){1,3}$', ''],
    ['^(?=.*x)', ''],
    ['[a-z]{2,10}', 'u'],
  ];
  for (const [pattern, flags] of accepted) {
    it(`accepts /${pattern}/${flags}`, function () {
      expect(() => {
        vetPattern(pattern, flags);
      }).to.not.throw();
    });
  }

  it('the costliest accepted shapes run in under 0.4 s on 256 KiB of adversarial text', function () {
    const input = 'a'.repeat(256 * 1024);
    for (const pattern of ['[a-z]{98}x', '^a*[a-z]{90}x', '(?=[a-z]{50})[a-z]{40}x']) {
      vetPattern(pattern, '');
      const started = performance.now();
      new RegExp(pattern).test(input);
      const elapsed = performance.now() - started;
      expect(elapsed, `${pattern} took ${elapsed.toFixed(0)} ms`).to.be.below(400);
    }
  });

  it('BSON regexes become RegExps with MongoDB option letters: s is dot-all, x is refused', function () {
    const command = {
      find: 'c',
      filter: { a: new BSONRegExp('^a.b', 'si'), b: { $in: [new BSONRegExp('^c', 'm')] } },
    };
    vetRegexes(command);
    expect(command.filter.a).to.be.instanceOf(RegExp);
    expect((command.filter.a as unknown as RegExp).flags).to.equal('is');
    expect((command.filter.b.$in[0] as unknown as RegExp).flags).to.equal('m');
    const extended = refusal(() => {
      vetRegexes({ f: new BSONRegExp('a', 'x') });
    });
    expect(extended.code).to.equal(115);
    const unknown = refusal(() => {
      vetRegexes({ f: new BSONRegExp('a', 'l') });
    });
    expect(unknown.code).to.equal(51108);
  });

  it('every place a pattern can hide in a command is checked', function () {
    const nestedQuantifier = '^(a+)+$';
    const commands = [
      {
        find: 'c',
        filter: { $or: [{ a: 1 }, { s: { $regex: nestedQuantifier, $options: 'i' } }] },
      },
      {
        update: 'c',
        updates: [{ q: {}, u: { $pull: { tags: new BSONRegExp(nestedQuantifier, '') } } }],
      },
      {
        aggregate: 'c',
        pipeline: [
          {
            $lookup: {
              from: 'd',
              pipeline: [{ $match: { s: { $regex: nestedQuantifier } } }],
              as: 'x',
            },
          },
        ],
      },
      {
        aggregate: 'c',
        pipeline: [
          { $project: { m: { $regexFindAll: { input: '$s', regex: nestedQuantifier } } } },
        ],
      },
      { listCollections: 1, filter: { name: { $regex: nestedQuantifier } } },
    ];
    for (const command of commands) {
      const error = refusal(() => {
        vetRegexes(command);
      });
      expect(error.code, JSON.stringify(command)).to.equal(2);
    }
  });
});
