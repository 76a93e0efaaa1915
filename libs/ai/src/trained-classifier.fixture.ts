import type { TrainingExample } from './trained-classifier.trainer.js';

/** Test data for the classifier specs: a few short notices per label (test texts share words with them, not sentences). */
export const EXAMPLES: TrainingExample[] = [
  { label: 'finanzen', text: 'Die Hundesteuer wird zum 1. Juli fällig. Die Stadtkasse erhebt die Steuer.' },
  { label: 'finanzen', text: 'Gebührenbescheid: Die Gebühr für die Verwaltungsleistung ist an die Stadtkasse zu zahlen.' },
  { label: 'finanzen', text: 'Der Hebesatz der Grundsteuer wird festgesetzt. Die Steuer ist vierteljährlich fällig.' },
  { label: 'finanzen', text: 'Mahnung: Die Gebühr und die Steuer sind rückständig; Säumniszuschläge werden erhoben.' },
  { label: 'bauen', text: 'Der Bauantrag für das Wohngebäude wird genehmigt. Der Bebauungsplan setzt die Baugrenze fest.' },
  { label: 'bauen', text: 'Die Baugenehmigung ist erteilt; der Bauherr beachtet die Abstandsflächen des Bebauungsplans.' },
  { label: 'bauen', text: 'Bauvoranfrage zum Neubau eines Wohnhauses im Geltungsbereich des Bebauungsplans.' },
  { label: 'bauen', text: 'Die Bauordnung verlangt Stellplätze für das Gebäude; der Bauantrag ist zu ergänzen.' },
  { label: 'umwelt', text: 'Die Abfallentsorgung holt den Restmüll und die Biotonne alle zwei Wochen ab.' },
  { label: 'umwelt', text: 'Das Abwasser wird in die Kläranlage geleitet; Gewässer sind vor Verschmutzung zu schützen.' },
  { label: 'umwelt', text: 'Baumschutz: Das Fällen geschützter Bäume bedarf der Genehmigung der Naturschutzbehörde.' },
  { label: 'umwelt', text: 'Der Wertstoffhof nimmt Sperrmüll, Grüngut und Altholz an; Abfall ist zu trennen.' },
];
