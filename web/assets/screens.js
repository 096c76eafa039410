// The campus services' screens on the map page, in the order their blocks
// appear in the panel. Each module exports mount(page): see "The campus
// services' screens" in app.js for what page holds.
import * as visits from '/assets/visits.js';
import * as card from '/assets/card.js';
import * as wallet from '/assets/wallet.js';
import * as rooms from '/assets/rooms.js';
import * as repairs from '/assets/repairs.js';
import * as live from '/assets/live.js';
export const SCREENS = [visits, card, wallet, rooms, repairs, live];
