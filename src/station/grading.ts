import type { GradingQuestion } from '../server/api/workflow-types.js';
import type { FlowConfig, QuestionConfig, WorkflowConfig } from './config.js';
import { Refusal, tx2, type Core } from './core.js';

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

/**
 * An answer sent with a request (scan `answers`, a grade correction) rather than tapped: for a question's fact it
 * must be one of that question's answers, or a value another answer of the flow sets for it (grade "sealed").
 * `ruled(fact)` says the rule set checks that fact's values itself (enum facts), which then decides alone: a value
 * the rules know but no button offers (packaging "original_sealed" from an RMA) is fine. Undefined when all is well.
 */
export function answerOffFlow(flow: FlowConfig, answers: Readonly<Record<string, string>>, ruled: (fact: string) => boolean): { fact: string; value: string; question: QuestionConfig; allowed: string[] } | undefined {
  for (const [fact, value] of Object.entries(answers)) {
    if (ruled(fact)) continue;
    const question = flow.questions.find((q) => q.fact === fact);
    if (!question) continue;
    const allowed = [
      ...new Set([
        ...flow.questions.filter((q) => q.fact === fact).flatMap((q) => q.answers.map((a) => a.value)),
        ...flow.questions.flatMap((q) => q.answers.flatMap((a) => (a.set[fact] !== undefined ? [a.set[fact]] : []))),
      ]),
    ];
    if (!allowed.includes(value)) return { fact, value, question, allowed };
  }
  return undefined;
}

/**
 * Answers that come with a request instead of a tap. Enum facts of the rule set must hold one of their values
 * (FACT_INVALID: reason "Defective" would otherwise be decided as some other reason); the flow's own facts
 * (sealed: yes / no) one of their answers (ANSWER_INVALID: "maybe" would otherwise skip the question).
 */
export function refuseBadAnswers(core: Core, flow: FlowConfig, answers: Readonly<Record<string, string>>): void {
  const rs = core.deps.rules.active();
  const checked = rs.checkFacts(answers);
  if (!checked.ok) throw new Refusal('FACT_INVALID', checked.error.text, { kind: 'item', details: checked.error.details });
  const off = answerOffFlow(flow, answers, (fact) => rs.facts[fact]?.type === 'enum' && rs.facts[fact]?.derived !== true);
  if (off) {
    throw new Refusal(
      'ANSWER_INVALID',
      tx2(`${off.fact}: "${off.value}" is not an answer to "${off.question.text.en}". Use one of: ${off.allowed.join(', ')}.`, `${off.fact}："${off.value}" 不是"${off.question.text['zh-CN']}"的可选答案。可选：${off.allowed.join('、')}。`),
      { kind: 'item', details: { field: off.fact, allowed: off.allowed } },
    );
  }
}
