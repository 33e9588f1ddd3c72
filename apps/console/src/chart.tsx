import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef } from 'react';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  kind?: 'bar' | 'line';
  stack?: string;
}

/**
 * Bars (stacked when the series share a stack) and lines over labelled periods, drawn by
 * Chart.js. The labels and the first series are on the element too (data-labels, data-values),
 * so that a test can read what is drawn.
 */
export function BarChart({ labels, series, testId, stacked }: { labels: string[]; series: Series[]; testId?: string; stacked?: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const config: ChartConfiguration<'bar' | 'line'> = {
      type: 'bar',
      data: {
        labels,
        datasets: series.map((s) => ({
          type: s.kind ?? 'bar',
          label: s.label,
          data: s.values,
          backgroundColor: s.color,
          borderColor: s.color,
          stack: s.stack,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: stacked ?? false }, y: { stacked: stacked ?? false, ticks: { callback: (v) => Number(v).toLocaleString() } } },
        plugins: { legend: { position: 'bottom' } },
      },
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [labels, series, stacked]);
  return (
    <div className="chart" data-testid={testId} data-labels={labels.join('|')} data-bars={labels.length} data-values={series[0]?.values.join('|')}>
      <canvas ref={canvas} role="img" aria-label={series.map((s) => s.label).join(', ')} />
    </div>
  );
}
