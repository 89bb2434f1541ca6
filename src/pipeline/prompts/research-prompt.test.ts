import { describe, expect, it } from 'vitest';
import { RESEARCH_TYPES, type Audience, type Classification, type Domain, type ResearchType, type Urgency } from '../../core/research.js';
import { buildResearchPrompt, requiredSectionsFor } from './research-prompt.js';

function classification(
  type: ResearchType,
  audience: Audience = 'intermediate',
  domain: Domain = 'general',
  urgency: Urgency = 'planned',
): Classification {
  const dimension = <T extends string>(value: T) => ({ value, confidence: 0.9, signals: ['test'] });
  return { researchType: dimension(type), audience: dimension(audience), domain: dimension(domain), urgency: dimension(urgency) };
}

/** Positions of `## Section` in the system prompt, to check order. */
function sectionOrder(system: string, sections: string[]): number[] {
  return sections.map((section) => system.indexOf(`\`## ${section}\``));
}

describe('requiredSectionsFor', () => {
  it('gives each type its sections in progressive-disclosure order', () => {
    expect(requiredSectionsFor('decision')).toEqual(['Recommendation', 'Comparison', 'Evidence', 'Implementation']);
    expect(requiredSectionsFor('implementation')).toEqual(['Answer', 'Evidence', 'Implementation']);
    expect(requiredSectionsFor('troubleshooting')).toEqual(['Problem', 'Causes', 'Fixes', 'Evidence']);
    expect(requiredSectionsFor('learning')).toEqual(['Answer', 'Concepts', 'Example', 'Evidence']);
    expect(requiredSectionsFor('validation')).toEqual(['Verdict', 'Checks', 'Evidence']);
  });
});

describe('buildResearchPrompt', () => {
  it.each(RESEARCH_TYPES)('asks a %s answer for its required sections, in order', (type) => {
    const prompt = buildResearchPrompt('Some question?', classification(type));
    expect(prompt.requiredSections).toEqual(requiredSectionsFor(type));
    const positions = sectionOrder(prompt.system, prompt.requiredSections);
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const section of prompt.requiredSections) expect(prompt.user).toContain(`## ${section}`);
    expect(prompt.temperature).toBeGreaterThanOrEqual(0);
    expect(prompt.temperature).toBeLessThanOrEqual(1);
    expect(prompt.maxTokens).toBeGreaterThan(500);
  });

  it('leads a decision with a recommendation and a comparison table', () => {
    const { system } = buildResearchPrompt('Postgres or MySQL?', classification('decision'));
    expect(system.indexOf('`## Recommendation`')).toBeLessThan(system.indexOf('`## Comparison`'));
    expect(system).toMatch(/Markdown table comparing the options/);
  });

  it('requires runnable code for implementation answers only', () => {
    expect(buildResearchPrompt('How do I…', classification('implementation')).system).toContain('Code is required');
    expect(buildResearchPrompt('What is…', classification('learning')).system).not.toContain('Code is required');
  });

  it('sets length and temperature per type', () => {
    const byType = Object.fromEntries(RESEARCH_TYPES.map((type) => [type, buildResearchPrompt('q', classification(type))]));
    expect(byType.implementation?.maxTokens).toBeGreaterThan(byType.validation?.maxTokens ?? Infinity);
    expect(byType.learning?.temperature).toBeGreaterThan(byType.troubleshooting?.temperature ?? 1);
  });

  it('adapts to the audience: beginners get definitions and room, experts get terse trade-offs', () => {
    const beginner = buildResearchPrompt('q', classification('learning', 'beginner'));
    const advanced = buildResearchPrompt('q', classification('learning', 'advanced'));
    expect(beginner.system).toContain('Define each technical term');
    expect(advanced.system).toContain('Be terse');
    expect(advanced.system).toContain('trade-offs');
    expect(beginner.maxTokens).toBeGreaterThan(advanced.maxTokens);
  });

  it('puts the fix first when the asker is blocked', () => {
    const immediate = buildResearchPrompt('prod is down', classification('troubleshooting', 'intermediate', 'devops', 'immediate'));
    const planned = buildResearchPrompt('prod is down', classification('troubleshooting', 'intermediate', 'devops', 'planned'));
    expect(immediate.system).toContain('fastest safe fix');
    expect(immediate.temperature).toBeLessThan(planned.temperature);
  });

  it('adds the domain conventions and embeds the query verbatim', () => {
    const query = 'Should I use tokio or async-std?';
    const prompt = buildResearchPrompt(`  ${query}\n`, classification('decision', 'intermediate', 'rust'));
    expect(prompt.system).toContain('Domain (rust)');
    expect(prompt.system).toContain('crates');
    expect(prompt.user).toContain(`<question>\n${query}\n</question>`);
    expect(prompt.user).toContain('(decision, intermediate, rust, planned)');
  });

  it('offers validation an optional fix section without requiring it', () => {
    const prompt = buildResearchPrompt('Is this safe?', classification('validation'));
    expect(prompt.system).toContain('`## Implementation` (optional)');
    expect(prompt.requiredSections).not.toContain('Implementation');
  });
});
