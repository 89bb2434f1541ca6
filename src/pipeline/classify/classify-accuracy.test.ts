import { describe, expect, it } from 'vitest';
import { RESEARCH_TYPES } from '../../core/research.js';
import {
  evaluateClassifier,
  loadLabelledQueries,
  type DimensionReport,
} from '../../../test/fixtures/classification/labelled-queries.js';
import { classify, learnedFeatures } from './classify.js';
import { extractFeatures } from './features.js';
import { CLASSIFIER_MODEL } from './model.generated.js';
import { trainNaiveBayes } from './naive-bayes.js';

const queries = loadLabelledQueries();
const heldOut = queries.filter((item) => item.split === 'heldout');
const train = queries.filter((item) => item.split === 'train');

describe('labelled query set', () => {
  it('has at least 300 queries, 60 per type, with a fixed held-out split covering every type', () => {
    expect(queries.length).toBeGreaterThanOrEqual(300);
    for (const type of RESEARCH_TYPES) {
      expect(queries.filter((item) => item.researchType === type).length).toBeGreaterThanOrEqual(60);
      expect(heldOut.filter((item) => item.researchType === type).length).toBeGreaterThanOrEqual(15);
    }
    expect(new Set(queries.map((item) => item.query)).size).toBe(queries.length);
  });

  it('ships a model trained on the TRAIN split only', () => {
    // Retraining on TRAIN must reproduce the shipped tables exactly; any held-out leak would differ.
    const nb = trainNaiveBayes(
      train.map((item) => learnedFeatures('researchType', extractFeatures(item.query), item.researchType)),
      train.map((item) => item.researchType),
      RESEARCH_TYPES,
    );
    expect(nb).toEqual(CLASSIFIER_MODEL.researchType.nb);
  });
});

describe('held-out accuracy', () => {
  const report = evaluateClassifier((query) => classify(query), heldOut);
  const row = (name: string, r: DimensionReport) =>
    `${name.padEnd(13)} ${r.accuracy.toFixed(3)} (${r.correct}/${r.total})  ECE ${r.calibration.ece.toFixed(3)}  mean confidence ${r.calibration.meanConfidence.toFixed(3)}`;
  console.log(['held-out accuracy per dimension:', ...Object.entries(report).map(([name, r]) => row(name, r))].join('\n'));

  it('classifies research type with ≥ 90 % accuracy and calibrated confidence', () => {
    expect(report.researchType.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(report.researchType.calibration.ece).toBeLessThan(0.1);
  });

  it('clears floors on the other dimensions', () => {
    expect(report.audience.accuracy).toBeGreaterThanOrEqual(0.7);
    expect(report.domain.accuracy).toBeGreaterThanOrEqual(0.75);
    expect(report.urgency.accuracy).toBeGreaterThanOrEqual(0.8);
    for (const dimension of [report.audience, report.domain, report.urgency]) {
      expect(dimension.calibration.ece).toBeLessThan(0.15);
    }
  });

  it('gets every research type mostly right, not just the average', () => {
    for (const type of RESEARCH_TYPES) {
      const entry = report.researchType.perLabel[type];
      expect(entry).toBeDefined();
      expect((entry?.correct ?? 0) / (entry?.total ?? 1)).toBeGreaterThanOrEqual(0.8);
    }
  });
});
