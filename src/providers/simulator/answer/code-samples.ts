import type { CodeLanguage } from './query-analysis.js';

/** Identifier-safe forms of the question's terms, for generated code. */
export function identifiers(terms: readonly string[]): { snake: string; camel: string; pascal: string } {
  const words = terms
    .slice(0, 2)
    .map((term) => term.toLowerCase().replace(/[^a-z0-9]+/g, ''))
    .filter((word) => word !== '' && !/^\d/.test(word));
  if (words.length === 0) words.push('task');
  const snake = words.join('_');
  const camel = words.map((word, index) => (index === 0 ? word : word[0]?.toUpperCase() + word.slice(1))).join('');
  const pascal = camel[0]?.toUpperCase() + camel.slice(1);
  return { snake, camel, pascal };
}

/** A short, plausible code sample in the question's language, naming its terms. */
export function codeSample(language: CodeLanguage, terms: readonly string[]): string {
  const { snake, camel, pascal } = identifiers(terms);
  const topic = terms.slice(0, 3).join(', ') || 'the task';
  switch (language) {
    case 'rust':
      return `// ${topic}: minimal starting point with explicit errors
pub fn ${snake}(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err("empty input".to_string());
    }
    Ok(format!("processed: {trimmed}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn rejects_empty_input() {
        assert!(super::${snake}("").is_err());
    }
}`;
    case 'python':
      return `# ${topic}: minimal starting point with explicit errors
def ${snake}(value: str) -> str:
    trimmed = value.strip()
    if not trimmed:
        raise ValueError("empty input")
    return f"processed: {trimmed}"


def test_${snake}_rejects_empty_input() -> None:
    import pytest
    with pytest.raises(ValueError):
        ${snake}("")`;
    case 'go':
      return `// ${topic}: minimal starting point with explicit errors
func ${pascal}(input string) (string, error) {
	trimmed := strings.TrimSpace(input)
	if trimmed == "" {
		return "", errors.New("empty input")
	}
	return "processed: " + trimmed, nil
}`;
    case 'sql':
      return `-- ${topic}: index the filter column, then confirm the plan
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_${snake}_created_at
    ON ${snake} (created_at DESC);

EXPLAIN (ANALYZE, BUFFERS)
SELECT id, created_at
FROM ${snake}
WHERE created_at > now() - interval '1 day'
ORDER BY created_at DESC
LIMIT 50;`;
    case 'dockerfile':
      return `# ${topic}: multi-stage build keeps the runtime image small
FROM node:20-slim AS build
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:20-slim
WORKDIR /app
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/main.js"]`;
    case 'yaml':
      return `# ${topic}: explicit resources and probes
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${snake.replace(/_/g, '-')}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          resources:
            requests: { cpu: 250m, memory: 256Mi }
            limits: { memory: 512Mi }
          readinessProbe:
            httpGet: { path: /health, port: 8080 }`;
    case 'bash':
      return `#!/usr/bin/env bash
# ${topic}: fail fast and log each step
set -euo pipefail
log() { printf '%s %s\\n' "$(date -Is)" "$*" >&2; }
log "checking ${snake}"
systemctl status "${snake.replace(/_/g, '-')}" --no-pager || journalctl -u "${snake.replace(/_/g, '-')}" -n 50`;
    case 'typescript':
      return `// ${topic}: minimal starting point with explicit errors
export function ${camel}(input: string): string {
  const trimmed = input.trim();
  if (trimmed === '') throw new Error('empty input');
  return \`processed: \${trimmed}\`;
}

// test
import { strict as assert } from 'node:assert';
assert.throws(() => ${camel}(''));`;
  }
}
