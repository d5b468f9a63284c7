import { expect } from 'chai';
import {
  createEngineConfig,
  DEFAULT_SELECTION,
  EngineValidationError,
  type EngineConfigInput,
} from '../../../src/engine/index.js';

describe('engine params: createEngineConfig', () => {
  it('fills every missing parameter with its default and freezes the result', () => {
    const config = createEngineConfig();
    expect(config.selection).to.deep.equal(DEFAULT_SELECTION);
    expect(Object.isFrozen(config.model)).to.equal(true);
  });

  const invalid: [string, EngineConfigInput, string][] = [
    ['targetSuccess above 0.95', { selection: { targetSuccess: 1.2 } }, 'selection.targetSuccess'],
    ['negative exploreRate', { selection: { exploreRate: -0.1 } }, 'selection.exploreRate'],
    ['fractional minRepeatGap', { selection: { minRepeatGap: 2.5 } }, 'selection.minRepeatGap'],
    ['minRepeatGap over the window', { selection: { minRepeatGap: 50 } }, 'selection.minRepeatGap'],
    [
      'threshold of 1',
      { mastery: { criterion: { kind: 'probability', threshold: 1 } } },
      'mastery.criterion.threshold',
    ],
    [
      'streak of 0',
      { mastery: { criterion: { kind: 'streak', inARow: 0 } } },
      'mastery.criterion.inARow',
    ],
    ['minAttempts 0', { mastery: { minAttempts: 0 } }, 'mastery.minAttempts'],
    ['loseBelow above threshold', { mastery: { loseBelow: 0.9 } }, 'mastery.loseBelow'],
    ['NaN weight', { model: { weights: { bias: Number.NaN } } }, 'model.weights.bias'],
    ['globalMean 0', { model: { globalMean: 0 } }, 'model.globalMean'],
    ['retention 0.5', { review: { requestRetention: 0.5 } }, 'review.requestRetention'],
  ];
  for (const [label, input, parameter] of invalid) {
    it(`rejects ${label} with an EngineValidationError naming ${parameter}`, () => {
      let caught: unknown;
      try {
        createEngineConfig(input);
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(EngineValidationError);
      const err = caught as EngineValidationError;
      expect(err.parameter).to.equal(parameter);
      expect(err.message).to.contain(parameter);
      expect(err.message).to.match(/must be/);
    });
  }

  it('states the allowed range in the message', () => {
    expect(() => createEngineConfig({ selection: { targetSuccess: 0.2 } })).to.throw(
      EngineValidationError,
      'Invalid engine parameter "selection.targetSuccess": must be a number in [0.5, 0.95], got 0.2',
    );
  });
});
