import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A salesperson confirms a quotation of a blacklisted customer and is refused
// with the entry's reason.
registry.category("web_tour.tours").add("customer_grading_blacklist_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "open Sales",
            trigger: ".o_app[data-menu-xmlid='sale.sale_menu_root']",
            run: "click",
        },
        {
            content: "open the Orders menu",
            trigger: ".o_menu_sections button:contains('Orders')",
            run: "click",
        },
        {
            content: "open the quotations",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Quotations')",
            run: "click",
        },
        {
            content: "open the customer's quotation",
            trigger: ".o_data_row td[name=partner_id]:contains('Tour Bad Payer')",
            run: "click",
        },
        {
            content: "confirm it",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Confirm')",
            run: "click",
        },
        {
            content: "the refusal names the customer and the reason",
            trigger: ".modal-body:contains('Tour Bad Payer is blacklisted'):contains('Payment default')",
        },
        {
            content: "close the message",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "the order is still a quotation",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Quotation')",
        },
    ],
});
