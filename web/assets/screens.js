// The campus services' screens on the map page, in the order their blocks
// appear in the panel. Each module exports mount(page): see "The campus
// services' screens" in app.js for what page holds.
import * as rooms from '/assets/rooms.js';
import * as repairs from '/assets/repairs.js';
export const SCREENS = [rooms, repairs];
