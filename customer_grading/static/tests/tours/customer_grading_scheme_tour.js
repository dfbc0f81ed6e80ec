import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

function weightCell(indicator) {
    return `.o_field_widget[name=indicator_ids] .o_data_row:contains('${indicator}') td[name=weight]`;
}

// An administrator moves weight between two indicators of the scheme in force,
// in the list of indicators, and saves once; a total other than 100 is refused
// and nothing of it is saved.
registry.category("web_tour.tours").add("customer_grading_scheme_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "open Settings",
            trigger: ".o_app[data-menu-xmlid='base.menu_administration']",
            run: "click",
        },
        {
            content: "open the Sales settings",
            trigger: ".settings_tab .tab:contains('Sales')",
            run: "click",
        },
        {
            content: "open the scheme in force from the Customer Grading block",
            trigger: ".o_setting_box:contains('Grading Scheme') button:contains('Weights & Thresholds')",
            run: "click",
        },
        {
            content: "the scheme's indicators",
            trigger: ".o_form_view .o_notebook .nav-link.active:contains('Indicators & Weights')",
        },
        {
            content: "lower the weight of the new-business possibility",
            trigger: weightCell("New-business possibility"),
            run: "click",
        },
        {
            trigger: `.o_selected_row:contains('New-business possibility') .o_field_widget[name=weight] input`,
            run: "edit 5",
        },
        {
            content: "raise the weight of the industry prospects",
            trigger: weightCell("Industry prospects"),
            run: "click",
        },
        {
            trigger: `.o_selected_row:contains('Industry prospects') .o_field_widget[name=weight] input`,
            run: "edit 15",
        },
        ...stepUtils.saveForm(),
        {
            content: "the weights are saved",
            trigger: `${weightCell("Industry prospects")}:contains('15.00')`,
        },
        {
            content: "raise the weight of the growth trend only",
            trigger: weightCell("Customer growth trend"),
            run: "click",
        },
        {
            trigger: `.o_selected_row:contains('Customer growth trend') .o_field_widget[name=weight] input`,
            run: "edit 12",
        },
        {
            content: "save",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "the save is refused: the weights must total 100",
            trigger: ".modal .modal-body:contains('total 102'):contains('must total exactly 100')",
        },
        {
            content: "close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        ...stepUtils.discardForm(),
        {
            content: "the weights saved before are back: they total 100",
            trigger: ".oe_stat_button:contains('Total Weight'):contains('100.00')",
        },
    ],
});
