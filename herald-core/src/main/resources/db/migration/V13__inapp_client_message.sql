-- An in-app delivery's message as the person's pages receive it (the JSON the eligible list and the stream send),
-- written once when the delivery goes out, with the two facts the list filters and sorts on. Every page view lists
-- the person's messages; reading this text costs a fraction of parsing the rendering and writing it out again.
-- Null for deliveries sent before this version: those are built from the rendering as before.
ALTER TABLE deliveries ADD COLUMN inapp_message TEXT;
ALTER TABLE deliveries ADD COLUMN inapp_priority INTEGER;
ALTER TABLE deliveries ADD COLUMN inapp_anonymous BOOLEAN;
