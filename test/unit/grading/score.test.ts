import { expect } from 'chai';
import {
  buildScore,
  InvalidScoreError,
  nextScoreTimestamp,
  type ScoreInput,
} from '../../../src/grading/score.js';

const input: ScoreInput = {
  userId: '535fa085',
  scoreGiven: 7,
  scoreMaximum: 10,
  activityProgress: 'InProgress',
  gradingProgress: 'FullyGraded',
};

describe('buildScore', () => {
  it('builds the spec-shaped AGS score body with every required field', () => {
    const score = buildScore(input, new Date('2026-03-01T10:00:00.123Z'));
    expect(score).to.deep.equal({
      userId: '535fa085',
      scoreGiven: 7,
      scoreMaximum: 10,
      activityProgress: 'InProgress',
      gradingProgress: 'FullyGraded',
      timestamp: '2026-03-01T10:00:00.123Z',
    });
  });

  it('returns a fresh object and leaves the input untouched', () => {
    const copy = { ...input };
    const score = buildScore(input, new Date());
    expect(score).not.to.equal(input);
    expect(input).to.deep.equal(copy);
  });

  it('refuses what Canvas and Moodle would reject', () => {
    expect(() => buildScore({ ...input, scoreMaximum: 0 }, new Date())).to.throw(
      InvalidScoreError,
      /scoreMaximum/,
    );
    expect(() => buildScore({ ...input, scoreGiven: -1 }, new Date())).to.throw(
      InvalidScoreError,
      /scoreGiven/,
    );
    expect(() => buildScore({ ...input, scoreGiven: Number.NaN }, new Date())).to.throw(
      InvalidScoreError,
    );
    expect(() => buildScore({ ...input, userId: ' ' }, new Date())).to.throw(
      InvalidScoreError,
      /userId/,
    );
    expect(() => buildScore(input, new Date('nope'))).to.throw(InvalidScoreError, /timestamp/);
  });
});

describe('nextScoreTimestamp', () => {
  it('is now for the first score', () => {
    const now = new Date('2026-03-01T10:00:00.500Z');
    expect(nextScoreTimestamp(undefined, now)).to.deep.equal(now);
  });

  it('moves to a later whole second when scores come faster than one a second (Moodle 409)', () => {
    const previous = new Date('2026-03-01T10:00:00.900Z');
    const next = nextScoreTimestamp(previous, new Date('2026-03-01T10:00:00.950Z'));
    expect(Math.floor(next.getTime() / 1000)).to.be.greaterThan(
      Math.floor(previous.getTime() / 1000),
    );
  });

  it('never goes back in time when the clock does (Canvas 400)', () => {
    const previous = new Date('2026-03-01T10:00:05.000Z');
    const next = nextScoreTimestamp(previous, new Date('2026-03-01T09:59:00.000Z'));
    expect(next.getTime()).to.be.greaterThan(previous.getTime());
  });

  it('uses now when the previous score is old', () => {
    const now = new Date('2026-03-01T11:00:00.000Z');
    expect(nextScoreTimestamp(new Date('2026-03-01T10:00:00.000Z'), now)).to.deep.equal(now);
  });
});
