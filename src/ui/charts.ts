/**
 * Charts with Apache ECharts, tree-shaken to what the supervisor screens draw (heatmap, bars, lines) and loaded
 * only when a chart is shown, so the operator screen starts without it. Canvas rendering and rich-text tooltips
 * (drawn on the canvas, not HTML with style attributes): nothing inline for the page's strict CSP to refuse.
 */
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';

type Setup = typeof import('./echarts-setup.js');
type Chart = ReturnType<Setup['init']>;
// The option object is plain data; its full type union is large, so the wrapper takes a loose record.
export type ChartOption = Record<string, unknown>;

let loading: Promise<Setup> | undefined;

function loadECharts(): Promise<Setup> {
  loading ??= import('./echarts-setup.js');
  return loading;
}

export function EChart(props: { option: ChartOption; height?: number; testid?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    let alive = true;
    let ro: ResizeObserver | undefined;
    void loadECharts().then((ec) => {
      if (!alive || !el.current) return;
      chart.current = ec.init(el.current, undefined, { renderer: 'canvas' });
      chart.current.setOption(props.option as never);
      el.current.dataset.ready = '1';
      ro = new ResizeObserver(() => chart.current?.resize());
      ro.observe(el.current);
    });
    return () => {
      alive = false;
      ro?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(props.option as never, { notMerge: true });
  }, [props.option]);
  return html`<div class="chart" ref=${el} style=${`height:${props.height ?? 280}px`} data-testid=${props.testid ?? 'chart'}></div>`;
}
