import type { GradingQuestion } from '../server/api/workflow-types.js';
import type { FlowConfig, QuestionConfig, WorkflowConfig } from './config.js';

/**
 * Grading as a short question flow. The answers so far decide the next question; a question whose fact is already
 * known (from the RMA, the request, or an earlier answer's `set`) is skipped, so "factory sealed? yes" ends the flow
 * without the inspection questions.
 */
export function flowFor(cfg: WorkflowConfig, category: string | undefined): { id: string; flow: FlowConfig } {
  const id = (category && cfg.flowByCategory[category]) || 'default';
  const flow = cfg.flows[id] ?? cfg.flows.default;
  if (!flow) throw new Error('workflow config has no default flow'); // workflowConfig() always adds one
  return { id, flow };
}

function byId(flow: FlowConfig, id: string | undefined): QuestionConfig | undefined {
  return id === undefined ? undefined : flow.questions.find((q) => q.id === id);
}

/**
 * Walks the flow from its start with the known answers. Returns the first question still open, or undefined when
 * the flow is complete. Bounded by the number of questions, so a cycle in a hand-written flow cannot hang a scan.
 */
export function nextQuestion(flow: FlowConfig, answers: Readonly<Record<string, string>>): QuestionConfig | undefined {
  let q = byId(flow, flow.start);
  for (let guard = 0; q && guard <= flow.questions.length; guard++) {
    const given = answers[q.fact];
    if (given === undefined) return q;
    const a = q.answers.find((x) => x.value === given);
    // A known value that is not one of the buttons (e.g. grade "sealed" set by an earlier answer) still counts.
    q = byId(flow, a?.next ?? q.next);
  }
  return undefined;
}

/** Applies one answer: the question's fact plus whatever the answer `set`s. Unknown values are refused. */
export function applyAnswer(q: QuestionConfig, value: string, answers: Readonly<Record<string, string>>): Record<string, string> | undefined {
  const a = q.answers.find((x) => x.value === value);
  if (!a) return undefined;
  return { ...answers, [q.fact]: value, ...a.set };
}

export function questionView(q: QuestionConfig): GradingQuestion {
  return { id: q.id, fact: q.fact, text: q.text, answers: q.answers.map((a) => ({ value: a.value, label: a.label })) };
}

/** Answers → rule facts: `sealed: yes` means grade sealed when nothing else said so. */
export function gradeOf(answers: Readonly<Record<string, string>>): string | undefined {
  return answers.grade ?? (answers.sealed === 'yes' ? 'sealed' : undefined);
}
