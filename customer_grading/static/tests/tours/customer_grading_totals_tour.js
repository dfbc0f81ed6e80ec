import { registry } from "@web/core/registry";
import { gradeColor } from "@customer_grading/views/grade_colors";

// A grading manager reads the visit compliance: the rate of a salesperson and
// the footer's are the summed visits done over the summed visits required,
// and the graph by grade shows each grade in its badge's colour.
// Rows: Sales One 1 of 4 (A) and 0 of 2 (C), Sales Two 1 of 3 (A).
registry.category("web_tour.tours").add("customer_grading_totals_tour", {
    steps: () => [
        {
            content: "Sales One's rate: 1 visit done of 6 required",
            trigger: ".o_group_header:contains('Sales One') td:contains('16.7 %')",
        },
        {
            content: "Sales Two's rate: 1 of 3",
            trigger: ".o_group_header:contains('Sales Two') td:contains('33.3 %')",
        },
        {
            content: "the footer's rate: 2 of 9, not an average of the rates",
            trigger: ".o_list_footer td:contains('22.2 %')",
        },
        {
            content: "the footer's visits done and required",
            trigger: ".o_list_footer:has(td:contains('22.2 %')):has(td:contains('9'))",
        },
        {
            content: "open the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "open the search options",
            trigger: ".o_graph_view .o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "group by grade as well",
            trigger: ".o_group_by_menu .o-dropdown-item:contains('Grade')",
            run: "click",
        },
        {
            content: "grouped by salesperson and grade",
            trigger: ".o_searchview_facet:contains('Salesperson'):contains('Grade')",
        },
        {
            content: "the grades are the series, each in its badge's colour",
            trigger: ".o_graph_renderer canvas",
            async run() {
                const barColors = () => {
                    const canvas = document.querySelector(".o_graph_renderer canvas");
                    const chart = canvas && window.Chart.getChart(canvas);
                    return Object.fromEntries(
                        (chart ? chart.data.datasets : [])
                            .filter((dataset) => dataset.type !== "line") // the stacked sum
                            .map((dataset) => [dataset.label, dataset.backgroundColor])
                    );
                };
                // the chart is drawn again once the grades are read
                for (let wait = 0; wait < 50 && !("A" in barColors()); wait++) {
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                const colors = barColors();
                const expected = { A: gradeColor("success"), C: gradeColor("warning") };
                if (JSON.stringify(colors) !== JSON.stringify(expected)) {
                    throw new Error(
                        `grade colours ${JSON.stringify(colors)}, expected ${JSON.stringify(expected)}`
                    );
                }
            },
        },
    ],
});
