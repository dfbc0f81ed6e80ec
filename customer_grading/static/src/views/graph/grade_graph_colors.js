/**
 * Graphs show each grade in the colour of its badge (customer.grading.level's
 * colour: success, info, warning, danger, muted), instead of Odoo's palette
 * taken in the order the series come. Applies when the graph's series are
 * grades (second group-by) or, with one group-by, when its bars or slices are.
 * Graph views are loaded lazily: this file is in web.assets_backend_lazy.
 */
import { patch } from "@web/core/utils/patch";
import { GraphModel } from "@web/views/graph/graph_model";
import { GraphRenderer } from "@web/views/graph/graph_renderer";
import { gradeColor } from "@customer_grading/views/grade_colors";

const GRADE_MODEL = "customer.grading.level";

/** The index of the group-by whose grades colour the graph, or -1. */
function colouredGroupBy(metaData) {
    const { groupBy, fields } = metaData;
    const isGrade = (gb) => {
        const field = gb && fields[gb.fieldName];
        return Boolean(field && field.type === "many2one" && field.relation === GRADE_MODEL);
    };
    if (groupBy.length === 2 && metaData.mode !== "pie" && isGrade(groupBy[1])) {
        return 1;
    }
    if (groupBy.length === 1 && isGrade(groupBy[0])) {
        return 0;
    }
    return -1;
}

/** The grade id of a data point or dataset identifier at ``index``. */
function gradeId(identifier, index) {
    const value = Object.values(JSON.parse(identifier)[index] || {})[0];
    return Array.isArray(value) ? value[0] : false;
}

patch(GraphModel.prototype, {
    async _loadDataPoints(metaData) {
        const dataPoints = await super._loadDataPoints(metaData);
        this.gradeColors = {};
        const index = colouredGroupBy(metaData);
        if (index >= 0) {
            const ids = [...new Set(dataPoints.map((dp) => gradeId(dp.identifier, index)))];
            let grades = [];
            try {
                grades = await this.orm.read(GRADE_MODEL, ids.filter(Boolean), ["color"]);
            } catch {
                // sample data (empty graph): Odoo's palette
            }
            for (const grade of grades) {
                this.gradeColors[grade.id] = gradeColor(grade.color);
            }
        }
        return dataPoints;
    },

    _getData(dataPoints, forceUseAllDataPoints) {
        const data = super._getData(dataPoints, forceUseAllDataPoints);
        const index = colouredGroupBy(this.metaData);
        if (index === 1) {
            for (const dataset of data.datasets) {
                const [identifier] = dataset.identifiers || [];
                dataset.gradeColor = identifier && this.gradeColors[gradeId(identifier, 1)];
            }
        } else if (index === 0) {
            // one colour per bar or slice, by its label's grade
            const colors = new Array(data.labels.length);
            for (const dataPoint of dataPoints) {
                if (dataPoint.labelIndex !== undefined) {
                    colors[dataPoint.labelIndex] = this.gradeColors[gradeId(dataPoint.identifier, 0)];
                }
            }
            data.gradeLabelColors = colors;
        }
        return data;
    },
});

patch(GraphRenderer.prototype, {
    getBarChartData() {
        const data = super.getBarChartData();
        for (const dataset of data.datasets) {
            if (dataset.gradeColor) {
                dataset.backgroundColor = dataset.gradeColor;
            } else if (data.gradeLabelColors && data.gradeLabelColors.every(Boolean)) {
                dataset.backgroundColor = data.gradeLabelColors;
            }
        }
        return data;
    },

    getLineChartData() {
        const data = super.getLineChartData();
        for (const dataset of data.datasets) {
            if (dataset.gradeColor) {
                dataset.borderColor = dataset.gradeColor;
                dataset.pointBackgroundColor = dataset.gradeColor;
                dataset.hoverBackgroundColor = dataset.gradeColor;
            }
        }
        return data;
    },

    getPieChartData() {
        const data = super.getPieChartData();
        const colors = data.gradeLabelColors;
        if (colors && colors.length && colors.every(Boolean)) {
            for (const dataset of data.datasets) {
                if (dataset.backgroundColor) {
                    const others = dataset.backgroundColor.slice(colors.length);
                    dataset.backgroundColor = [...colors, ...others];
                    dataset.hoverBackgroundColor = dataset.backgroundColor;
                }
            }
        }
        return data;
    },
});
