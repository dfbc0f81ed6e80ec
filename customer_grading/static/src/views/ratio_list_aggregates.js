/**
 * A rate's total is the ratio of the sums, not the sum or the average of the
 * rates. A list column of a rate says which columns it is the ratio of:
 *
 *     <field name="compliance_rate" options="{'ratio': ['visits_done', 'visits_required']}"/>
 *
 * Its footer is then 100 × Σ numerator / Σ denominator over what the other
 * footers sum (the selection, the groups or the records shown), and its group
 * rows, which the server computes as a ratio of sums too, are formatted as the
 * footer: one decimal and "%".
 */
import { formatFloat } from "@web/core/utils/numbers";
import { patch } from "@web/core/utils/patch";
import { ListRenderer } from "@web/views/list/list_renderer";

function ratioOf(column) {
    return column.type === "field" && column.options && column.options.ratio;
}

function formatRate(value) {
    return `${formatFloat(value, { digits: [16, 1] })} %`;
}

patch(ListRenderer.prototype, {
    get aggregates() {
        const aggregates = super.aggregates;
        const list = this.props.list;
        let values;
        if (list.selection && list.selection.length) {
            values = list.selection.map((record) => record.data);
        } else if (list.isGrouped) {
            values = list.groups.map((group) => group.aggregates);
        } else {
            values = list.records.map((record) => record.data);
        }
        const total = (name) => values.reduce((sum, value) => sum + (value[name] || 0), 0);
        for (const column of this.allColumns) {
            const ratio = ratioOf(column);
            if (!ratio) {
                continue;
            }
            const denominator = total(ratio[1]);
            if (denominator) {
                aggregates[column.name] = {
                    help: column.label,
                    value: formatRate((100 * total(ratio[0])) / denominator),
                };
            }
        }
        return aggregates;
    },

    formatAggregateValue(group, column) {
        if (ratioOf(column) && column.name in group.aggregates) {
            return formatRate(group.aggregates[column.name]);
        }
        return super.formatAggregateValue(group, column);
    },
});
